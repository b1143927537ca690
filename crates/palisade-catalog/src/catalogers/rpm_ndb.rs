//! rpm's NDB package database (`Packages.db`, SUSE and openSUSE): a 32-byte header, slot
//! pages of 16-byte slots (`Slot`, package index, block offset, block count), and one blob
//! per package at its block offset (`BlbS`, package index, generation, length, header
//! blob, then a tail). All little-endian, in 16-byte blocks; every slot is checked against
//! the file.

const PAGE_SIZE: usize = 4096;
const SLOT_SIZE: usize = 16;
const BLOCK_SIZE: u64 = 16;
const HEADER_SIZE: usize = 32;
const BLOB_HEAD: u64 = 16;
const BLOB_TAIL: u64 = 12;

const fn magic(b: &[u8; 4]) -> u32 {
    u32::from_le_bytes(*b)
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// The header blobs of an NDB `Packages.db`, in slot order.
pub(crate) fn blobs(data: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    if le32(data, 0) != Some(magic(b"RpmP")) {
        return Err("not an rpm NDB database".to_owned());
    }
    let version = le32(data, 4).unwrap_or_default();
    if version != 0 {
        return Err(format!("NDB version {version}, not 0"));
    }
    let slot_pages = le32(data, 12).unwrap_or_default() as usize;
    if slot_pages == 0 || slot_pages > data.len() / PAGE_SIZE {
        return Err(format!(
            "NDB header: {slot_pages} slot pages in a file of {} bytes",
            data.len()
        ));
    }
    let file_blocks = data.len() as u64 / BLOCK_SIZE;
    let first_blob_block = (slot_pages * PAGE_SIZE) as u64 / BLOCK_SIZE;
    let mut out = Vec::new();
    for at in (HEADER_SIZE..slot_pages * PAGE_SIZE).step_by(SLOT_SIZE) {
        let slot = at / SLOT_SIZE;
        let field = |k: usize| le32(data, at + 4 * k).unwrap_or_default();
        if field(0) != magic(b"Slot") {
            return Err(format!("NDB slot {slot}: bad magic"));
        }
        let (index, offset, count) = (field(1), u64::from(field(2)), u64::from(field(3)));
        if offset == 0 {
            continue;
        }
        if index == 0 || count == 0 || offset < first_blob_block || offset + count > file_blocks {
            return Err(format!(
                "NDB slot {slot}: blocks {offset}+{count} outside the file's {file_blocks}"
            ));
        }
        let start = (offset * BLOCK_SIZE) as usize;
        let end = ((offset + count) * BLOCK_SIZE) as usize;
        let area = &data[start..end];
        if le32(area, 0) != Some(magic(b"BlbS")) || le32(area, 4) != Some(index) {
            return Err(format!(
                "NDB slot {slot}: no blob for package {index} at block {offset}"
            ));
        }
        let len = u64::from(le32(area, 12).unwrap_or_default());
        if BLOB_HEAD + len + BLOB_TAIL > count * BLOCK_SIZE {
            return Err(format!(
                "NDB slot {slot}: blob of {len} bytes does not fit in {count} blocks"
            ));
        }
        out.push(area[BLOB_HEAD as usize..(BLOB_HEAD + len) as usize].to_vec());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::rpm::{RpmDb, tests::real_headers};
    use super::*;
    use crate::Cataloger;

    /// An NDB file laid out as rpm's `rpmpkg.c` writes it, holding the real header blobs.
    fn ndb(headers: &[Vec<u8>]) -> Vec<u8> {
        let mut file = vec![0u8; PAGE_SIZE];
        file[0..4].copy_from_slice(b"RpmP");
        file[12..16].copy_from_slice(&1u32.to_le_bytes());
        file[16..20].copy_from_slice(&(headers.len() as u32 + 1).to_le_bytes());
        for at in (HEADER_SIZE..PAGE_SIZE).step_by(SLOT_SIZE) {
            file[at..at + 4].copy_from_slice(b"Slot");
        }
        for (i, blob) in headers.iter().enumerate() {
            let index = i as u32 + 1;
            let offset = file.len() as u64 / BLOCK_SIZE;
            file.extend_from_slice(b"BlbS");
            file.extend_from_slice(&index.to_le_bytes());
            file.extend_from_slice(&7u32.to_le_bytes());
            file.extend_from_slice(&(blob.len() as u32).to_le_bytes());
            file.extend_from_slice(blob);
            file.extend_from_slice(&0u32.to_le_bytes()); // adler32, not checked
            file.extend_from_slice(&(blob.len() as u32).to_le_bytes());
            file.extend_from_slice(b"BlbE");
            while file.len() % BLOCK_SIZE as usize != 0 {
                file.push(0);
            }
            let count = file.len() as u64 / BLOCK_SIZE - offset;
            let slot = HEADER_SIZE + i * SLOT_SIZE;
            file[slot + 4..slot + 8].copy_from_slice(&index.to_le_bytes());
            file[slot + 8..slot + 12].copy_from_slice(&(offset as u32).to_le_bytes());
            file[slot + 12..slot + 16].copy_from_slice(&(count as u32).to_le_bytes());
        }
        file
    }

    #[test]
    fn synthetic_ndb_with_real_headers() {
        let headers = real_headers();
        let file = ndb(&headers);
        assert_eq!(blobs(&file).unwrap(), headers);
        let pkgs = RpmDb
            .parse("/usr/lib/sysimage/rpm/Packages.db", &file)
            .unwrap();
        assert_eq!(pkgs.len(), 2);
        assert_eq!(pkgs[0].purl, "pkg:rpm/world-lib@0.9-1?arch=x86_64");
    }

    #[test]
    fn hostile_input_is_a_clear_error() {
        let file = ndb(&real_headers());
        assert_eq!(blobs(b"RpmQ").unwrap_err(), "not an rpm NDB database");
        for len in (0..file.len()).step_by(13) {
            let _ = blobs(&file[..len]); // never panics
        }
        let err = blobs(&file[..file.len() - 16]).unwrap_err();
        assert!(err.contains("outside the file"), "{err}");
        let mut pages = file.clone();
        pages[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(blobs(&pages).unwrap_err().contains("slot pages"));
        let mut len = file.clone();
        let blob_at = le32(&file, HEADER_SIZE + 8).unwrap() as usize * 16;
        len[blob_at + 12..blob_at + 16].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(blobs(&len).unwrap_err().contains("does not fit"));
        let mut slot = file;
        slot[HEADER_SIZE + 8..HEADER_SIZE + 12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(blobs(&slot).unwrap_err().contains("outside the file"));
    }
}
