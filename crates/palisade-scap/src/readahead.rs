//! Reading a file on a second thread, so the system calls and the kernel's copy out of the page
//! cache overlap with decoding instead of stalling it.
//!
//! [`ReadAhead`] is a [`BufRead`]: its buffer is the chunk the reading thread handed over last,
//! so events lying wholly inside a chunk are still decoded where they lie, without a copy.
//! Chunks go back to the thread once consumed; at most `depth` chunks are in flight, so memory
//! stays bounded whatever the file's size.

use std::io::{self, BufRead, Read};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};

/// Size of one chunk read by the thread.
pub const CHUNK: usize = 1 << 20;

/// Chunks read ahead of the consumer.
pub const DEPTH: usize = 3;

/// A [`BufRead`] fed by a reading thread; see the module documentation.
#[derive(Debug)]
pub struct ReadAhead {
    chunks: Receiver<io::Result<Vec<u8>>>,
    recycle: SyncSender<Vec<u8>>,
    cur: Vec<u8>,
    pos: usize,
    failed: bool,
}

impl ReadAhead {
    /// Starts reading `inner` on a new thread; when no thread can be started, `inner` comes
    /// back with the error.
    pub fn spawn<R: Read + Send + 'static>(inner: R) -> Result<ReadAhead, (R, io::Error)> {
        let (tx, chunks) = sync_channel(DEPTH);
        let (recycle, recycled) = sync_channel(DEPTH + 2);
        // The input moves into the thread only once the thread runs.
        let (give, take) = sync_channel::<R>(1);
        let started = std::thread::Builder::new()
            .name("scap-read".into())
            .spawn(move || {
                if let Ok(inner) = take.recv() {
                    fill(inner, &tx, &recycled);
                }
            });
        if let Err(e) = started {
            return Err((inner, e));
        }
        // The thread is waiting on `take`: this cannot fail (and if it did, the reader would
        // only see an empty input).
        let _ = give.send(inner);
        Ok(ReadAhead {
            chunks,
            recycle,
            cur: Vec::new(),
            pos: 0,
            failed: false,
        })
    }
}

/// The reading thread: fills chunks until the end of the input, an error, or the consumer
/// hanging up.
fn fill<R: Read>(mut inner: R, tx: &SyncSender<io::Result<Vec<u8>>>, recycled: &Receiver<Vec<u8>>) {
    let mut allocated = 0;
    loop {
        // One chunk being filled, DEPTH queued, one being decoded: then reuse.
        let mut buf = match recycled.try_recv() {
            Ok(b) => b,
            Err(TryRecvError::Empty) if allocated < DEPTH + 2 => {
                allocated += 1;
                Vec::new()
            }
            Err(TryRecvError::Empty) => match recycled.recv() {
                Ok(b) => b,
                Err(_) => return,
            },
            Err(TryRecvError::Disconnected) => return,
        };
        if buf.len() != CHUNK {
            buf.resize(CHUNK, 0);
        }
        let n = loop {
            match inner.read(&mut buf) {
                Ok(n) => break Ok(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => break Err(e),
            }
        };
        match n {
            Ok(0) => return,
            Ok(n) => {
                buf.truncate(n);
                if tx.send(Ok(buf)).is_err() {
                    return;
                }
            }
            Err(e) => {
                let _ = tx.send(Err(e));
                return;
            }
        }
    }
}

impl Read for ReadAhead {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl ReadAhead {
    /// Hands the spent chunk back and waits for the next; an empty buffer at the end.
    #[cold]
    fn next_chunk(&mut self) -> io::Result<()> {
        let used = std::mem::take(&mut self.cur);
        if used.capacity() > 0 {
            // The thread may have finished; then the chunk is simply dropped.
            let _ = self.recycle.try_send(used);
        }
        self.pos = 0;
        match self.chunks.recv() {
            Ok(Ok(chunk)) => self.cur = chunk,
            Ok(Err(e)) => {
                self.failed = true;
                return Err(e);
            }
            // The thread hung up: the end of the input.
            Err(_) => {}
        }
        Ok(())
    }
}

impl BufRead for ReadAhead {
    #[inline]
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.cur.len() && !self.failed {
            self.next_chunk()?;
        }
        Ok(self.cur.get(self.pos..).unwrap_or_default())
    }

    #[inline]
    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.cur.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out its bytes a few at a time, then fails once if asked to.
    #[derive(Debug)]
    struct Trickle {
        bytes: Vec<u8>,
        pos: usize,
        fail_at_end: bool,
    }

    impl Read for Trickle {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.pos == self.bytes.len() {
                if std::mem::take(&mut self.fail_at_end) {
                    return Err(io::Error::other("disk on fire"));
                }
                return Ok(0);
            }
            let n = out.len().min(7).min(self.bytes.len() - self.pos);
            out[..n].copy_from_slice(&self.bytes[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }

    #[test]
    fn delivers_every_byte_in_order() {
        let bytes: Vec<u8> = (0..3 * CHUNK + 12_345).map(|i| (i % 251) as u8).collect();
        let mut r = ReadAhead::spawn(io::Cursor::new(bytes.clone())).expect("thread");
        let mut got = Vec::new();
        r.read_to_end(&mut got).expect("reads");
        assert_eq!(got.len(), bytes.len());
        assert!(got == bytes, "bytes differ");

        let mut r = ReadAhead::spawn(Trickle {
            bytes: bytes[..1000].to_vec(),
            pos: 0,
            fail_at_end: false,
        })
        .expect("thread");
        let mut got = Vec::new();
        r.read_to_end(&mut got).expect("reads");
        assert_eq!(got, bytes[..1000]);
    }

    #[test]
    fn an_error_reaches_the_consumer_after_the_data_before_it() {
        let mut r = ReadAhead::spawn(Trickle {
            bytes: b"hello".to_vec(),
            pos: 0,
            fail_at_end: true,
        })
        .expect("thread");
        let mut got = Vec::new();
        let e = r.read_to_end(&mut got).expect_err("fails");
        assert_eq!(got, b"hello");
        assert_eq!(e.to_string(), "disk on fire");
    }

    /// An endless input that says when it is dropped.
    #[derive(Debug)]
    struct Endless(SyncSender<()>);

    impl Read for Endless {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            out.fill(1);
            Ok(out.len())
        }
    }

    impl Drop for Endless {
        fn drop(&mut self) {
            let _ = self.0.send(());
        }
    }

    #[test]
    fn dropping_the_reader_stops_the_thread() {
        let (tx, dropped) = sync_channel(1);
        let mut r = ReadAhead::spawn(Endless(tx)).expect("thread");
        let mut head = [0u8; 10];
        r.read_exact(&mut head).expect("reads");
        assert_eq!(head, [1; 10]);
        drop(r);
        // The thread owns the input: it is dropped only when the thread ends.
        dropped
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("the reading thread ended");
    }
}
