//! The runtime pipeline: an event source (a capture being replayed, the live sensor) feeds the
//! `Inspector`, which keeps processes, fds and containers; the rules engine evaluates each
//! event; alerts go to the outputs. The same [`Pipeline`] serves replay and live detection,
//! so a rule behaves the same on both.
//!
//! An [`Observer`] sees every event and every alert as they pass, with the state as of that
//! event: [`capture::CaptureWindow`] keeps a bounded ring of recent events and writes a capture
//! around each alert; [`capture::CaptureAll`] writes everything (`palisade capture`); the
//! response side acts on alerts.
//!
//! ```
//! use palisade_alert::{Format, Outputs};
//! use palisade_event::{EventBuilder, MemorySource, table::ids};
//! use palisade_rules::ruleset;
//! use palisade_runtime::{Pipeline, PipelineOptions};
//!
//! let set = ruleset::Ruleset::default();
//! let outputs = Outputs::new(Box::new(Vec::new()), Format::Json);
//! let mut p = Pipeline::new(&set, None, outputs, PipelineOptions::default());
//! let src = MemorySource::new(vec![EventBuilder::new(ids::CLOSE_X).i64(0).build()]);
//! let stats = p.run(src, &mut ()).unwrap();
//! assert_eq!(stats.events, 1);
//! ```

pub mod capture;

use palisade_alert::Outputs;
use palisade_event::table::Category;
use palisade_event::{Direction, Event, EventSource, Inspector};
use palisade_rules::syscall::{SyscallEvent, SyscallTable};
use palisade_rules::{Alert, Engine, ruleset};

/// Sees what passes through the pipeline.
pub trait Observer {
    /// Every event (state and internal events too), after the `Inspector` has applied it.
    fn event(&mut self, evt: &Event<'_>, insp: &Inspector) -> std::io::Result<()> {
        let _ = (evt, insp);
        Ok(())
    }

    /// Every alert that went out, with the event that raised it.
    fn alert(&mut self, alert: &Alert, evt: &Event<'_>, insp: &Inspector) -> std::io::Result<()> {
        let _ = (alert, evt, insp);
        Ok(())
    }

    /// The source ended: flush what is pending.
    fn finish(&mut self, insp: &Inspector) -> std::io::Result<()> {
        let _ = insp;
        Ok(())
    }
}

/// Observes nothing.
impl Observer for () {}

/// Several observers, in order.
impl Observer for Vec<Box<dyn Observer>> {
    fn event(&mut self, evt: &Event<'_>, insp: &Inspector) -> std::io::Result<()> {
        self.iter_mut().try_for_each(|o| o.event(evt, insp))
    }

    fn alert(&mut self, alert: &Alert, evt: &Event<'_>, insp: &Inspector) -> std::io::Result<()> {
        self.iter_mut().try_for_each(|o| o.alert(alert, evt, insp))
    }

    fn finish(&mut self, insp: &Inspector) -> std::io::Result<()> {
        self.iter_mut().try_for_each(|o| o.finish(insp))
    }
}

/// How the pipeline evaluates.
#[derive(Debug, Clone, Default)]
pub struct PipelineOptions {
    /// Evaluate rules on enter events too (Falco evaluates exit events only).
    pub enter_events: bool,
    /// Rebuild state only, evaluate nothing.
    pub no_rules: bool,
    /// The host name in alerts; the source's machine name, else `fallback_host`, when `None`.
    pub hostname: Option<String>,
    /// The host name when neither `hostname` nor the source names one.
    pub fallback_host: String,
}

/// What a run counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Activity events (not state or internal events).
    pub events: u64,
    /// Alerts (or filter matches) written.
    pub alerts: u64,
}

/// Why a run stopped early.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The source failed (after everything before the failure was evaluated).
    #[error(transparent)]
    Source(Box<dyn std::error::Error + Send + Sync>),
    /// Writing an alert or a capture failed.
    #[error("writing: {0}")]
    Io(#[from] std::io::Error),
}

/// Source → `Inspector` → rules → outputs; see the crate documentation.
#[derive(Debug)]
pub struct Pipeline {
    engine: Engine,
    filter: Option<Engine>,
    outputs: Outputs,
    options: PipelineOptions,
    inspector: Inspector,
    injected: Option<std::sync::mpsc::Receiver<Alert>>,
}

impl Pipeline {
    /// A pipeline evaluating the rules of `set`, or, with `filter`, that one condition (each
    /// matching event's number is written instead of an alert, like `sysdig -p %evt.num`).
    pub fn new(
        set: &ruleset::Ruleset,
        filter: Option<ruleset::Rule>,
        outputs: Outputs,
        options: PipelineOptions,
    ) -> Self {
        let engine = Engine::new(set, &SyscallTable).0;
        let filter = filter.map(|rule| {
            let one = ruleset::Ruleset {
                rules: vec![rule],
                ..ruleset::Ruleset::default()
            };
            Engine::new(&one, &SyscallTable).0
        });
        Pipeline {
            engine,
            filter,
            outputs,
            options,
            inspector: Inspector::new(),
            injected: None,
        }
    }

    /// Also emits the alerts that arrive on `rx` from other threads (exec prevention, say),
    /// between events, so that every alert goes through the same outputs and observers.
    pub fn with_injected(mut self, rx: std::sync::mpsc::Receiver<Alert>) -> Self {
        self.injected = Some(rx);
        self
    }

    /// The rules engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The state as of the last event.
    pub fn inspector(&self) -> &Inspector {
        &self.inspector
    }

    /// The alert outputs.
    pub fn outputs(&mut self) -> &mut Outputs {
        &mut self.outputs
    }

    /// Ends the run: flushes the outputs and waits for the webhook's queue.
    pub fn into_outputs(self) -> Outputs {
        self.outputs
    }

    /// Reads `src` to its end, evaluating every event and showing it to `observer`.
    pub fn run<S: EventSource>(
        &mut self,
        mut src: S,
        observer: &mut dyn Observer,
    ) -> Result<RunStats, RunError> {
        // The source may skip events that neither the state nor any rule looks at: rules see
        // exit events only (unless asked otherwise), and the state needs few enter events.
        let mut interest = Inspector::interest();
        if !self.options.enter_events && self.filter.is_none() {
            let skip: Vec<u16> = interest
                .iter()
                .filter(|&k| Direction::of(k) == Direction::Enter && !Inspector::needs_enter(k))
                .collect();
            for k in skip {
                interest.remove(k);
            }
        }
        for k in self.engine.syscall_kinds() {
            if self.options.enter_events || Direction::of(k) == Direction::Exit {
                interest.insert(k);
            }
        }
        for k in self.filter.iter().flat_map(Engine::syscall_kinds) {
            interest.insert(k);
        }
        src.set_interest(&interest);
        let mut hits: Vec<usize> = Vec::new();
        let mut stats = RunStats::default();
        let mut last_flush = std::time::Instant::now();
        loop {
            let evt = match src.next_event(&mut self.inspector) {
                Ok(Some(evt)) => evt,
                Ok(None) => break,
                Err(e) => {
                    observer.finish(&self.inspector)?;
                    return Err(RunError::Source(Box::new(e)));
                }
            };
            self.inspector.process(&evt);
            observer.event(&evt, &self.inspector)?;
            if let Some(rx) = &self.injected {
                while let Ok(alert) = rx.try_recv() {
                    if self.outputs.emit(usize::MAX, &alert)? {
                        stats.alerts += 1;
                        observer.alert(&alert, &evt, &self.inspector)?;
                    }
                    self.outputs.flush()?;
                }
            }
            // Process-table snapshots and internal events are state, not activity.
            if evt.is_initial_state() || evt.info().category == Category::Internal {
                continue;
            }
            stats.events += 1;
            if self.options.no_rules {
                continue;
            }
            let host = match (&self.options.hostname, self.inspector.machine()) {
                (Some(h), _) => h.as_str(),
                (None, Some(m)) if !m.hostname.is_empty() => m.hostname.as_str(),
                _ => self.options.fallback_host.as_str(),
            };
            let ctx = SyscallEvent::new(&evt, &self.inspector, host);
            if let Some(f) = self.filter.as_mut() {
                // The filter is a one-rule engine: events of other types never reach it.
                let mut matched = false;
                f.eval_syscall(evt.kind, &ctx, |_| matched = true);
                if matched {
                    stats.alerts += 1;
                    self.outputs.emit_line(format_args!("{}", evt.num))?;
                }
                continue;
            }
            // Like Falco, rules see the exit half of each system call (where results and new
            // descriptors are known) unless asked otherwise.
            if !self.options.enter_events && evt.direction() == Direction::Enter {
                continue;
            }
            hits.clear();
            self.engine.eval_syscall(evt.kind, &ctx, |i| hits.push(i));
            for &i in &hits {
                if let Some(alert) = self.engine.alert(i, &ctx, evt.ts, host) {
                    if self.outputs.emit(i, &alert)? {
                        stats.alerts += 1;
                        observer.alert(&alert, &evt, &self.inspector)?;
                    }
                }
            }
            // A live source is slow and endless: show alerts within a tenth of a second.
            if !hits.is_empty() && last_flush.elapsed().as_millis() >= 100 {
                self.outputs.flush()?;
                last_flush = std::time::Instant::now();
            }
        }
        observer.finish(&self.inspector)?;
        Ok(stats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_alert::{Format, Outputs};
    use palisade_event::{EventBuilder, MemorySource, table::ids};
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    struct Count(usize, usize);

    impl Observer for Count {
        fn event(&mut self, _: &Event<'_>, _: &Inspector) -> std::io::Result<()> {
            self.0 += 1;
            Ok(())
        }
        fn alert(&mut self, a: &Alert, _: &Event<'_>, _: &Inspector) -> std::io::Result<()> {
            assert_eq!(a.rule, "shadow");
            self.1 += 1;
            Ok(())
        }
    }

    const RULES: &str = "- rule: shadow\n  desc: d\n  condition: evt.type = openat and fd.name = /etc/shadow\n  output: read %fd.name by %proc.name\n  priority: WARNING\n";

    fn open(path: &str, tid: i64) -> palisade_event::OwnedEvent {
        EventBuilder::new(ids::OPENAT_2_X)
            .tid(tid)
            .i64(3)
            .i64(-100)
            .str(path)
            .u32(1)
            .u32(0)
            .u32(0)
            .u64(0)
            .build()
    }

    #[test]
    fn rules_fire_and_observers_see_events_and_alerts() {
        let set = ruleset::load(&[("r.yaml".to_owned(), RULES.to_owned())]);
        assert!(!set.has_errors(), "{:?}", set.diagnostics);
        let out = Shared::default();
        let outputs = Outputs::new(Box::new(out.clone()), Format::Text);
        let mut p = Pipeline::new(&set, None, outputs, PipelineOptions::default());
        let src = MemorySource::new(vec![open("/etc/passwd", 5), open("/etc/shadow", 5)]);
        let mut count = Count(0, 0);
        let stats = p.run(src, &mut count).unwrap();
        assert_eq!(
            stats,
            RunStats {
                events: 2,
                alerts: 1
            }
        );
        assert_eq!((count.0, count.1), (2, 1));
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert!(text.contains("Warning read /etc/shadow"), "{text}");
    }

    #[test]
    fn appended_output_reaches_the_alert() {
        let mut set = ruleset::load(&[("r.yaml".to_owned(), RULES.to_owned())]);
        set.append_output(palisade_rules::Source::Syscall, "tid=%thread.tid");
        let out = Shared::default();
        let outputs = Outputs::new(Box::new(out.clone()), Format::Json);
        let mut p = Pipeline::new(&set, None, outputs, PipelineOptions::default());
        p.run(MemorySource::new(vec![open("/etc/shadow", 77)]), &mut ())
            .unwrap();
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert!(text.contains("tid=77"), "{text}");
        assert!(text.contains("\"thread.tid\":77"), "{text}");
    }
}
