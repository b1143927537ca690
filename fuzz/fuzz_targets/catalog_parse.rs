//! Every cataloger reads files an image's author controls: each must turn any bytes into
//! packages or an error, never a panic, an endless loop or an allocation sized by the input's
//! own claims.
//!
//! Input: one byte choosing the path (and with it the catalogers that want it), then the
//! file's content.

#![no_main]

use libfuzzer_sys::fuzz_target;

const PATHS: &[&str] = &[
    "/var/lib/dpkg/status",
    "/lib/apk/db/installed",
    "/app/requirements.txt",
    "/app/package-lock.json",
    "/app/Cargo.lock",
    "/var/lib/rpm/rpmdb.sqlite",
    "/var/lib/rpm/Packages",
    "/usr/lib/sysimage/rpm/Packages.db",
    "/usr/lib/python3/site-packages/x-1.0.dist-info/METADATA",
    "/app/poetry.lock",
    "/app/Pipfile.lock",
    "/app/node_modules/x/package.json",
    "/app/yarn.lock",
    "/app/pnpm-lock.yaml",
    "/usr/local/bin/app",
    "/opt/app/app.war",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, content)) = data.split_first() else {
        return;
    };
    let path = PATHS[usize::from(selector) % PATHS.len()];
    let head = &content[..content.len().min(palisade_catalog::SNIFF_LEN)];
    for cataloger in palisade_catalog::all_catalogers() {
        if cataloger.wants(path) && cataloger.sniff(head) {
            let _ = cataloger.parse(path, content);
        }
    }
});
