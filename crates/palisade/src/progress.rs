//! Progress bars on a terminal, nothing otherwise.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use palisade_image::{Image, Progress};

/// A byte-count progress bar for reading an image's layers.
#[derive(Debug)]
pub struct LayerProgress {
    bar: ProgressBar,
}

impl LayerProgress {
    /// A bar sized to the image's layers (a spinner when their sizes are unknown), drawn only
    /// when `visible`.
    pub fn new(image: &Image, visible: bool) -> LayerProgress {
        let total: Option<u64> = image.layers.iter().map(|l| l.size).sum();
        let bar = match total {
            Some(total) if total > 0 => ProgressBar::new(total).with_style(
                ProgressStyle::with_template(
                    "{spinner} {msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            ),
            _ => ProgressBar::no_length().with_style(
                ProgressStyle::with_template("{spinner} {msg} {bytes} {bytes_per_sec}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        bar.set_message(format!("reading {}", image.name));
        if !visible {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        LayerProgress { bar }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for LayerProgress {
    fn advance(&self, bytes: u64) {
        self.bar.inc(bytes);
    }
}
