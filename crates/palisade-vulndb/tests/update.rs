//! `db update` against an HTTP server on 127.0.0.1 started by the test.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use palisade_vulndb::store::Db;
use palisade_vulndb::update::{Feed, FeedOutcome, NoProgress, UpdateOptions, update};

#[derive(Clone)]
struct Reply {
    body: Vec<u8>,
    etag: String,
    /// Announce more bytes than are sent, then hang up.
    truncate: bool,
    status: u16,
}

type Routes = Arc<Mutex<HashMap<String, Reply>>>;

/// A one-request-per-connection HTTP/1.1 server honouring `If-None-Match`.
fn serve(routes: Routes) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            let _ = reader.read_line(&mut request_line);
            let path = request_line
                .split_whitespace()
                .nth(1)
                .unwrap_or("/")
                .to_owned();
            let mut if_none_match = None;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = line.split_once(':') {
                    if k.eq_ignore_ascii_case("if-none-match") {
                        if_none_match = Some(v.trim().to_owned());
                    }
                }
            }
            let reply = routes.lock().unwrap().get(&path).cloned();
            let response = match reply {
                None => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_vec(),
                Some(r) if if_none_match.as_deref() == Some(r.etag.as_str()) => format!(
                    "HTTP/1.1 304 Not Modified\r\nETag: {}\r\nConnection: close\r\n\r\n",
                    r.etag
                )
                .into_bytes(),
                Some(r) => {
                    let announced = if r.truncate {
                        r.body.len() * 2
                    } else {
                        r.body.len()
                    };
                    let mut out = format!(
                        "HTTP/1.1 {} X\r\nETag: {}\r\nContent-Length: {announced}\r\nConnection: close\r\n\r\n",
                        r.status, r.etag
                    )
                    .into_bytes();
                    out.extend_from_slice(&r.body);
                    out
                }
            };
            let _ = stream.write_all(&response);
        }
    });
    format!("http://{addr}")
}

fn osv_zip(ids: &[&str]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buf);
        for id in ids {
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            zip.start_file(format!("{id}.json"), opts).unwrap();
            let record = format!(
                r#"{{"id":"{id}","modified":"2024-01-01T00:00:00Z","affected":[{{"package":{{"ecosystem":"PyPI","name":"pkg-{id}"}},"ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"2.0"}}]}}]}}]}}"#
            );
            zip.write_all(record.as_bytes()).unwrap();
        }
        zip.finish().unwrap();
    }
    buf.into_inner()
}

fn reply(body: Vec<u8>, etag: &str) -> Reply {
    Reply {
        body,
        etag: etag.into(),
        truncate: false,
        status: 200,
    }
}

#[test]
fn update_is_conditional_and_atomic() {
    let routes: Routes = Arc::default();
    let tracker = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/debian-tracker.json"
    ))
    .unwrap();
    routes.lock().unwrap().insert(
        "/PyPI/all.zip".into(),
        reply(osv_zip(&["PYSEC-1", "PYSEC-2"]), "\"v1\""),
    );
    routes
        .lock()
        .unwrap()
        .insert("/tracker/data/json".into(), reply(tracker, "\"t1\""));
    let base = serve(routes.clone());
    let feeds = vec![
        Feed {
            name: "osv-PyPI".into(),
            url: format!("{base}/PyPI/all.zip"),
        },
        Feed {
            name: "debian-tracker".into(),
            url: format!("{base}/tracker/data/json"),
        },
    ];
    let options = UpdateOptions::new(feeds);
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("cache/vulndb.sqlite");

    // First run downloads and imports both.
    let first = update(&db_path, &options, &NoProgress).unwrap();
    assert!(
        first
            .feeds
            .iter()
            .all(|(_, o)| matches!(o, FeedOutcome::Imported { .. }))
    );
    let info = Db::open_read_only(&db_path).unwrap().info().unwrap();
    assert_eq!(info.advisories, 2 + 4);
    assert_eq!(
        info.sources
            .iter()
            .find(|s| s.name == "osv-PyPI")
            .unwrap()
            .etag
            .as_deref(),
        Some("\"v1\"")
    );

    // Second run: the validators make both 304s.
    let second = update(&db_path, &options, &NoProgress).unwrap();
    assert!(
        second
            .feeds
            .iter()
            .all(|(_, o)| matches!(o, FeedOutcome::NotModified)),
        "{second:?}"
    );

    // A new archive with a truncated body: the update fails and the database is unchanged.
    let before = std::fs::read(&db_path).unwrap();
    routes.lock().unwrap().insert(
        "/PyPI/all.zip".into(),
        Reply {
            truncate: true,
            ..reply(osv_zip(&["PYSEC-1", "PYSEC-2", "PYSEC-3"]), "\"v2\"")
        },
    );
    let err = update(&db_path, &options, &NoProgress).unwrap_err();
    assert!(err.to_string().contains("/PyPI/all.zip"), "{err}");
    assert_eq!(
        std::fs::read(&db_path).unwrap(),
        before,
        "a failed update must not touch the database"
    );

    // A server error on the second feed also leaves everything as it was, even though the
    // first feed had been imported into the copy.
    routes.lock().unwrap().insert(
        "/PyPI/all.zip".into(),
        reply(osv_zip(&["PYSEC-1", "PYSEC-2", "PYSEC-3"]), "\"v2\""),
    );
    routes.lock().unwrap().insert(
        "/tracker/data/json".into(),
        Reply {
            status: 500,
            ..reply(Vec::new(), "\"t2\"")
        },
    );
    let err = update(&db_path, &options, &NoProgress).unwrap_err();
    assert!(err.to_string().contains("500"), "{err}");
    assert_eq!(std::fs::read(&db_path).unwrap(), before);
    let leftovers: Vec<_> = std::fs::read_dir(db_path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "temporary files are removed: {leftovers:?}"
    );

    // Once the server is healthy, the new record arrives.
    routes
        .lock()
        .unwrap()
        .insert("/tracker/data/json".into(), reply(b"{}".to_vec(), "\"t3\""));
    update(&db_path, &options, &NoProgress).unwrap();
    assert_eq!(
        Db::open_read_only(&db_path)
            .unwrap()
            .info()
            .unwrap()
            .advisories,
        3 + 4
    );
}
