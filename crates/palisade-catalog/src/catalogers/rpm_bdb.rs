//! Berkeley DB hash databases, as rpm before 4.16 wrote `/var/lib/rpm/Packages`: the value
//! of every key/value pair on the hash pages, following overflow page chains. Only what
//! rpm writes is read (a hash metadata page, hash pages, overflow pages); every offset,
//! page number and chain is checked against the file.

/// Hash database magic number.
const HASH_MAGIC: u32 = 0x0006_1561;
const PAGE_HEADER: usize = 26;
const P_HASH_UNSORTED: u8 = 2;
const P_OVERFLOW: u8 = 7;
const P_HASHMETA: u8 = 8;
const P_HASH: u8 = 13;
const H_KEYDATA: u8 = 1;
const H_OFFPAGE: u8 = 3;
/// The largest value accepted (rpm's header size limit).
const MAX_VALUE: u64 = 256 << 20;

struct Db<'a> {
    data: &'a [u8],
    page_size: usize,
    big_endian: bool,
}

impl<'a> Db<'a> {
    fn u16(&self, b: &[u8], at: usize) -> Option<usize> {
        let b: [u8; 2] = b.get(at..at + 2)?.try_into().ok()?;
        Some(usize::from(if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        }))
    }

    fn u32(&self, b: &[u8], at: usize) -> Option<u32> {
        let b: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
        Some(if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    fn page(&self, number: u32) -> Option<&'a [u8]> {
        let start = (number as usize).checked_mul(self.page_size)?;
        self.data.get(start..start.checked_add(self.page_size)?)
    }

    fn pages(&self) -> usize {
        self.data.len() / self.page_size
    }

    /// A value stored on overflow pages: `len` bytes from the chain starting at `first`.
    fn overflow(&self, first: u32, len: u32) -> Result<Vec<u8>, String> {
        if u64::from(len) > MAX_VALUE || len as usize > self.data.len() {
            return Err(format!(
                "overflow value of {len} bytes is larger than the file"
            ));
        }
        let mut out = Vec::with_capacity(len as usize);
        let mut number = first;
        // A chain cannot be longer than the file has pages: that bounds cycles.
        for _ in 0..=self.pages() {
            if out.len() >= len as usize {
                return Ok(out);
            }
            let page = self
                .page(number)
                .ok_or_else(|| format!("overflow page {number} is past the end of the file"))?;
            if page.get(25) != Some(&P_OVERFLOW) {
                return Err(format!("page {number} is not an overflow page"));
            }
            let used = self.u16(page, 22).unwrap_or_default();
            let chunk = page
                .get(PAGE_HEADER..PAGE_HEADER + used)
                .ok_or_else(|| format!("overflow page {number}: {used} bytes do not fit"))?;
            let take = chunk.len().min(len as usize - out.len());
            out.extend_from_slice(&chunk[..take]);
            number = self.u32(page, 16).unwrap_or_default();
            if number == 0 {
                break;
            }
        }
        if out.len() == len as usize {
            Ok(out)
        } else {
            Err(format!(
                "overflow chain from page {first} holds {} of {len} bytes",
                out.len()
            ))
        }
    }

    /// The item at index `i` of a hash page: its type byte and the bytes after it.
    fn item(&self, page: &'a [u8], i: usize) -> Option<(u8, &'a [u8])> {
        let offset = self.u16(page, PAGE_HEADER + 2 * i)?;
        let end = if i == 0 {
            self.page_size
        } else {
            self.u16(page, PAGE_HEADER + 2 * (i - 1))?
        };
        let item = page.get(offset..end)?;
        Some((*item.first()?, item.get(1..)?))
    }
}

/// The values of a Berkeley DB hash database, in page order. The 4-byte zero key rpm uses
/// for its instance counter is left out.
pub(crate) fn blobs(data: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let magic = |big| {
        data.get(12..16)
            .and_then(|b| b.try_into().ok())
            .map(|b: [u8; 4]| {
                if big {
                    u32::from_be_bytes(b)
                } else {
                    u32::from_le_bytes(b)
                }
            })
    };
    let big_endian = match (magic(false), magic(true)) {
        (Some(HASH_MAGIC), _) => false,
        (_, Some(HASH_MAGIC)) => true,
        _ => return Err("not a Berkeley DB hash database".to_owned()),
    };
    let mut db = Db {
        data,
        page_size: 512,
        big_endian,
    };
    let page_size = db.u32(data, 20).unwrap_or_default();
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(format!("Berkeley DB: page size {page_size} is not valid"));
    }
    db.page_size = page_size as usize;
    if data.get(24).copied().unwrap_or_default() != 0 {
        return Err("Berkeley DB: encrypted databases are not read".to_owned());
    }
    if data.get(25) != Some(&P_HASHMETA) {
        return Err("Berkeley DB: page 0 is not a hash metadata page".to_owned());
    }
    let mut out = Vec::new();
    for number in 1..db.pages() {
        let Some(page) = db.page(number as u32) else {
            break;
        };
        if !matches!(page.get(25), Some(&P_HASH | &P_HASH_UNSORTED)) {
            continue;
        }
        let entries = db.u16(page, 20).unwrap_or_default();
        if PAGE_HEADER + 2 * entries > db.page_size {
            return Err(format!("page {number}: {entries} entries do not fit"));
        }
        for pair in 0..entries / 2 {
            let (key, value) = (2 * pair, 2 * pair + 1);
            let bad = || format!("page {number}: item {value} is outside the page");
            let (key_type, key_bytes) = db.item(page, key).ok_or_else(bad)?;
            if key_type == H_KEYDATA && key_bytes.iter().all(|&b| b == 0) {
                continue;
            }
            match db.item(page, value).ok_or_else(bad)? {
                (H_KEYDATA, bytes) => out.push(bytes.to_vec()),
                (H_OFFPAGE, bytes) => {
                    let (Some(first), Some(len)) = (db.u32(bytes, 3), db.u32(bytes, 7)) else {
                        return Err(format!("page {number}: item {value}: truncated reference"));
                    };
                    out.push(
                        db.overflow(first, len)
                            .map_err(|e| format!("page {number}: item {value}: {e}"))?,
                    );
                }
                (other, _) => {
                    return Err(format!("page {number}: item {value}: unknown type {other}"));
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::rpm::{RpmDb, tests::real_headers};
    use super::*;
    use crate::Cataloger;

    /// A Berkeley DB 5.3 hash database made by `db5.3_load` from the two headers of the
    /// rpmdb.sqlite fixture plus rpm's instance counter record; rpm 4.18 (`_db_backend
    /// bdb_ro`) lists both packages from it.
    fn fixture() -> Vec<u8> {
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/rpm/Packages"
        ))
        .unwrap()
    }

    #[test]
    fn real_berkeley_db_file() {
        let blobs = blobs(&fixture()).unwrap();
        let mut expected = real_headers();
        let mut got = blobs.clone();
        expected.sort();
        got.sort();
        assert_eq!(got, expected);
        let pkgs = RpmDb.parse("/var/lib/rpm/Packages", &fixture()).unwrap();
        let mut names: Vec<_> = pkgs.iter().map(|p| p.purl.as_str()).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "pkg:rpm/palisade-hello@2%3A1.2.3-4.fc40?arch=noarch",
                "pkg:rpm/world-lib@0.9-1?arch=x86_64"
            ]
        );
    }

    #[test]
    fn hostile_input_is_a_clear_error() {
        let good = fixture();
        assert_eq!(blobs(b"").unwrap_err(), "not a Berkeley DB hash database");
        for len in (0..good.len()).step_by(61) {
            let _ = blobs(&good[..len]); // never panics
        }
        // The overflow pages cut off: the chain runs past the end.
        let err = blobs(&good[..4 * 4096]).unwrap_err();
        assert!(err.contains("past the end of the file"), "{err}");
        // A declared value length of 4 GiB is refused before any allocation.
        let mut huge = good.clone();
        // Page 2 holds one pair: a key and a reference to overflow pages.
        let page = 2 * 4096;
        let entries = u16::from_le_bytes([huge[page + 20], huge[page + 21]]) as usize;
        assert_eq!(entries, 2);
        let item = u16::from_le_bytes([huge[page + 28], huge[page + 29]]) as usize;
        assert_eq!(huge[page + item], H_OFFPAGE);
        huge[page + item + 8..page + item + 12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(blobs(&huge).unwrap_err().contains("larger than the file"));
        // An overflow chain that loops on itself.
        let mut cycle = good.clone();
        let overflow = 3 * 4096;
        cycle[overflow + 16..overflow + 20].copy_from_slice(&3u32.to_le_bytes());
        cycle[overflow + 22..overflow + 24].copy_from_slice(&1u16.to_le_bytes());
        assert!(blobs(&cycle).unwrap_err().contains("overflow chain"));
        let mut size = good;
        size[20..24].copy_from_slice(&3000u32.to_le_bytes());
        assert!(blobs(&size).unwrap_err().contains("page size 3000"));
    }
}
