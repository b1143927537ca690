//! Just enough of ELF to find a section by name and read bytes at a virtual address, for
//! the catalogers of executables. Every offset and size is checked against the file.

/// The first bytes of every ELF file.
pub(crate) const MAGIC: &[u8] = b"\x7fELF";

/// Whether a path may hold an executable: a name without an extension, or anything in a
/// `bin`, `sbin` or `libexec` directory.
pub(crate) fn may_be_executable(path: &str) -> bool {
    !crate::file_name(path).contains('.')
        || path.contains("/bin/")
        || path.contains("/sbin/")
        || path.contains("/libexec/")
}

#[derive(Debug, Clone, Copy)]
struct Section<'a> {
    name: &'a [u8],
    offset: u64,
    size: u64,
    nobits: bool,
}

#[derive(Debug, Clone, Copy)]
struct Segment {
    vaddr: u64,
    offset: u64,
    filesz: u64,
}

/// A parsed ELF file borrowing its bytes.
#[derive(Debug)]
pub(crate) struct Elf<'a> {
    data: &'a [u8],
    sections: Vec<Section<'a>>,
    segments: Vec<Segment>,
}

struct Reader<'a> {
    data: &'a [u8],
    big_endian: bool,
}

impl Reader<'_> {
    fn bytes<const N: usize>(&self, at: u64) -> Result<[u8; N], String> {
        usize::try_from(at)
            .ok()
            .and_then(|at| self.data.get(at..at.checked_add(N)?))
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| format!("truncated ELF: {N} bytes at offset {at} are past the end"))
    }

    fn u16(&self, at: u64) -> Result<u64, String> {
        let b = self.bytes::<2>(at)?;
        Ok(u64::from(if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        }))
    }

    fn u32(&self, at: u64) -> Result<u64, String> {
        let b = self.bytes::<4>(at)?;
        Ok(u64::from(if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        }))
    }

    fn u64(&self, at: u64) -> Result<u64, String> {
        let b = self.bytes::<8>(at)?;
        Ok(if self.big_endian {
            u64::from_be_bytes(b)
        } else {
            u64::from_le_bytes(b)
        })
    }
}

/// Whether an ELF file is 64-bit and big-endian, from its identification bytes.
fn ident(head: &[u8]) -> Result<(bool, bool), String> {
    if !head.starts_with(MAGIC) {
        return Err("not an ELF file".to_owned());
    }
    match (head.get(4), head.get(5)) {
        (Some(1), Some(1)) => Ok((false, false)),
        (Some(1), Some(2)) => Ok((false, true)),
        (Some(2), Some(1)) => Ok((true, false)),
        (Some(2), Some(2)) => Ok((true, true)),
        _ => Err("ELF header: unknown class or byte order".to_owned()),
    }
}

/// The most bytes [`section_names`] reads of a section header table or of the section names.
const MAX_TABLE: u64 = 1 << 20;

/// The names of an ELF file's sections, read through `file` (of `size` bytes) by seeking to the
/// header, the section header table and the section names only: a few kilobytes of even the
/// largest executable. Errors when the file has no usable section table.
pub(crate) fn section_names<R: std::io::Read + std::io::Seek + ?Sized>(
    file: &mut R,
    size: u64,
) -> Result<Vec<Vec<u8>>, String> {
    use std::io::SeekFrom;
    let mut read_at = |offset: u64, len: u64| -> Result<Vec<u8>, String> {
        if len > MAX_TABLE || offset.checked_add(len).is_none_or(|end| end > size) {
            return Err(format!("{len} bytes at offset {offset} are out of bounds"));
        }
        file.seek(SeekFrom::Start(offset))
            .map_err(|e| format!("seeking: {e}"))?;
        let mut buf = vec![0; usize::try_from(len).map_err(|_| "too large")?];
        file.read_exact(&mut buf)
            .map_err(|e| format!("reading: {e}"))?;
        Ok(buf)
    };
    let header = read_at(0, 64.min(size))?;
    let (wide, big_endian) = ident(&header)?;
    let r = Reader {
        data: &header,
        big_endian,
    };
    let (shoff, sizes) = if wide {
        (r.u64(0x28)?, 0x36)
    } else {
        (r.u32(0x20)?, 0x2a)
    };
    let (shentsize, shnum, shstrndx) = (r.u16(sizes + 4)?, r.u16(sizes + 6)?, r.u16(sizes + 8)?);
    let min_sh = if wide { 0x40 } else { 0x28 };
    if shnum == 0 || shentsize < min_sh || shstrndx >= shnum {
        return Err("no usable section header table".to_owned());
    }
    let table = read_at(shoff, shnum * shentsize)?;
    let t = Reader {
        data: &table,
        big_endian,
    };
    let entry = |i: u64| -> Result<(u64, u64, u64), String> {
        let at = i * shentsize;
        let name = t.u32(at)?;
        let (offset, size) = if wide {
            (t.u64(at + 24)?, t.u64(at + 32)?)
        } else {
            (t.u32(at + 16)?, t.u32(at + 20)?)
        };
        Ok((name, offset, size))
    };
    let (_, str_offset, str_size) = entry(shstrndx)?;
    let names = read_at(str_offset, str_size)?;
    (0..shnum)
        .map(|i| {
            let (name, _, _) = entry(i)?;
            Ok(usize::try_from(name)
                .ok()
                .and_then(|n| names.get(n..))
                .map(|n| n.split(|&b| b == 0).next().unwrap_or_default().to_vec())
                .unwrap_or_default())
        })
        .collect()
}

/// The bytes at `offset..offset + size` of `data`, if all inside it.
pub(crate) fn slice(data: &[u8], offset: u64, size: u64) -> Option<&[u8]> {
    let start = usize::try_from(offset).ok()?;
    let end = start.checked_add(usize::try_from(size).ok()?)?;
    data.get(start..end)
}

impl<'a> Elf<'a> {
    pub(crate) fn parse(data: &'a [u8]) -> Result<Self, String> {
        let (wide, big_endian) = ident(data)?;
        let r = Reader { data, big_endian };
        // Header field offsets differ between ELF32 and ELF64.
        let (phoff, shoff, sizes) = if wide {
            (r.u64(0x20)?, r.u64(0x28)?, 0x36)
        } else {
            (r.u32(0x1c)?, r.u32(0x20)?, 0x2a)
        };
        let (phentsize, phnum) = (r.u16(sizes)?, r.u16(sizes + 2)?);
        let (shentsize, shnum, shstrndx) =
            (r.u16(sizes + 4)?, r.u16(sizes + 6)?, r.u16(sizes + 8)?);
        let (min_ph, min_sh) = if wide { (0x38, 0x40) } else { (0x20, 0x28) };

        let mut segments = Vec::new();
        if phnum > 0 {
            if phentsize < min_ph {
                return Err(format!(
                    "ELF header: program header size {phentsize} is too small"
                ));
            }
            for i in 0..phnum {
                let at = phoff
                    .checked_add(i * phentsize)
                    .ok_or("ELF header: program header offset overflows")?;
                const PT_LOAD: u64 = 1;
                if r.u32(at)? != PT_LOAD {
                    continue;
                }
                segments.push(if wide {
                    Segment {
                        offset: r.u64(at + 8)?,
                        vaddr: r.u64(at + 16)?,
                        filesz: r.u64(at + 32)?,
                    }
                } else {
                    Segment {
                        offset: r.u32(at + 4)?,
                        vaddr: r.u32(at + 8)?,
                        filesz: r.u32(at + 16)?,
                    }
                });
            }
        }

        let mut raw = Vec::new();
        if shnum > 0 {
            if shentsize < min_sh {
                return Err(format!(
                    "ELF header: section header size {shentsize} is too small"
                ));
            }
            for i in 0..shnum {
                let at = shoff
                    .checked_add(i * shentsize)
                    .ok_or("ELF header: section header offset overflows")?;
                let name = r.u32(at)?;
                let kind = r.u32(at + 4)?;
                let (offset, size) = if wide {
                    (r.u64(at + 24)?, r.u64(at + 32)?)
                } else {
                    (r.u32(at + 16)?, r.u32(at + 20)?)
                };
                raw.push((name, kind, offset, size));
            }
        }
        let mut sections = Vec::new();
        if let Some(&(_, _, str_offset, str_size)) =
            usize::try_from(shstrndx).ok().and_then(|i| raw.get(i))
        {
            let names = slice(data, str_offset, str_size)
                .ok_or("ELF section names: past the end of the file")?;
            for (name, kind, offset, size) in raw {
                let name = usize::try_from(name)
                    .ok()
                    .and_then(|n| names.get(n..))
                    .map(|n| n.split(|&b| b == 0).next().unwrap_or_default())
                    .unwrap_or_default();
                const SHT_NOBITS: u64 = 8;
                sections.push(Section {
                    name,
                    offset,
                    size,
                    nobits: kind == SHT_NOBITS,
                });
            }
        }
        Ok(Elf {
            data,
            sections,
            segments,
        })
    }

    /// The contents of the first section with this name.
    pub(crate) fn section(&self, name: &str) -> Result<Option<&'a [u8]>, String> {
        let Some(s) = self.sections.iter().find(|s| s.name == name.as_bytes()) else {
            return Ok(None);
        };
        if s.nobits {
            return Ok(Some(&[]));
        }
        slice(self.data, s.offset, s.size).map(Some).ok_or_else(|| {
            format!(
                "section {name}: {} bytes at offset {} are past the end of the file",
                s.size, s.offset
            )
        })
    }

    /// `len` bytes at a virtual address, through the loadable segments.
    pub(crate) fn at_address(&self, address: u64, len: u64) -> Option<&'a [u8]> {
        self.segments.iter().find_map(|s| {
            let delta = address.checked_sub(s.vaddr)?;
            if delta.checked_add(len)? > s.filesz {
                return None;
            }
            slice(self.data, s.offset.checked_add(delta)?, len)
        })
    }
}

#[cfg(test)]
pub(crate) mod build {
    //! Writes small ELF64 little-endian files for tests: named sections, and one loadable
    //! segment mapping the whole file at a base address.

    /// The virtual address the file is mapped at.
    pub(crate) const BASE: u64 = 0x40_0000;

    /// An ELF file whose sections have these names and contents. Each section's data
    /// starts 16-aligned; returns the file and each section's file offset.
    pub(crate) fn elf(sections: &[(&str, &[u8])]) -> (Vec<u8>, Vec<u64>) {
        let mut out = vec![0u8; 64 + 56];
        let mut offsets = Vec::new();
        for (_, data) in sections {
            while out.len() % 16 != 0 {
                out.push(0);
            }
            offsets.push(out.len() as u64);
            out.extend_from_slice(data);
        }
        let mut names = vec![0u8];
        let mut name_offsets = Vec::new();
        for (name, _) in sections {
            name_offsets.push(names.len() as u32);
            names.extend_from_slice(name.as_bytes());
            names.push(0);
        }
        let shstrtab_name = names.len() as u32;
        names.extend_from_slice(b".shstrtab\0");
        let names_offset = out.len() as u64;
        out.extend_from_slice(&names);
        while out.len() % 8 != 0 {
            out.push(0);
        }
        let shoff = out.len() as u64;
        let header = |out: &mut Vec<u8>, name: u32, kind: u32, offset: u64, size: u64| {
            let mut h = [0u8; 64];
            h[0..4].copy_from_slice(&name.to_le_bytes());
            h[4..8].copy_from_slice(&kind.to_le_bytes());
            h[24..32].copy_from_slice(&offset.to_le_bytes());
            h[32..40].copy_from_slice(&size.to_le_bytes());
            out.extend_from_slice(&h);
        };
        header(&mut out, 0, 0, 0, 0);
        for (i, (_, data)) in sections.iter().enumerate() {
            header(&mut out, name_offsets[i], 1, offsets[i], data.len() as u64);
        }
        header(&mut out, shstrtab_name, 3, names_offset, names.len() as u64);
        let file_len = out.len() as u64;
        let shnum = sections.len() as u16 + 2;

        out[0..4].copy_from_slice(b"\x7fELF");
        out[4] = 2; // ELFCLASS64
        out[5] = 1; // little endian
        out[6] = 1;
        out[16..18].copy_from_slice(&2u16.to_le_bytes()); // ET_EXEC
        out[18..20].copy_from_slice(&62u16.to_le_bytes()); // x86-64
        out[0x20..0x28].copy_from_slice(&64u64.to_le_bytes()); // phoff
        out[0x28..0x30].copy_from_slice(&shoff.to_le_bytes());
        out[0x34..0x36].copy_from_slice(&64u16.to_le_bytes());
        out[0x36..0x38].copy_from_slice(&56u16.to_le_bytes());
        out[0x38..0x3a].copy_from_slice(&1u16.to_le_bytes());
        out[0x3a..0x3c].copy_from_slice(&64u16.to_le_bytes());
        out[0x3c..0x3e].copy_from_slice(&shnum.to_le_bytes());
        out[0x3e..0x40].copy_from_slice(&(shnum - 1).to_le_bytes());
        // PT_LOAD of the whole file at BASE.
        let ph = &mut out[64..120];
        ph[0..4].copy_from_slice(&1u32.to_le_bytes());
        ph[16..24].copy_from_slice(&BASE.to_le_bytes());
        ph[24..32].copy_from_slice(&BASE.to_le_bytes());
        ph[32..40].copy_from_slice(&file_len.to_le_bytes());
        ph[40..48].copy_from_slice(&file_len.to_le_bytes());
        (out, offsets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_names_by_seeking() {
        let (file, _) = build::elf(&[(".go.buildinfo", b"x"), (".dep-v0", b"yy")]);
        let names =
            section_names(&mut std::io::Cursor::new(&file), file.len() as u64).expect("names");
        assert!(names.iter().any(|n| n == b".go.buildinfo"), "{names:?}");
        assert!(names.iter().any(|n| n == b".dep-v0"), "{names:?}");
        // A file cut before its section table, a size that lies, and no ELF at all.
        let cut = &file[..file.len() - 8];
        assert!(section_names(&mut std::io::Cursor::new(cut), cut.len() as u64).is_err());
        assert!(section_names(&mut std::io::Cursor::new(&file), 100).is_err());
        assert!(section_names(&mut std::io::Cursor::new(b"#!/bin/sh\n"), 10).is_err());
    }

    #[test]
    fn finds_sections_and_addresses() {
        let (file, offsets) = build::elf(&[(".a", b"hello"), (".dep-v0", b"xyz")]);
        let elf = Elf::parse(&file).unwrap();
        assert_eq!(elf.section(".dep-v0").unwrap(), Some(&b"xyz"[..]));
        assert_eq!(elf.section(".a").unwrap(), Some(&b"hello"[..]));
        assert_eq!(elf.section(".none").unwrap(), None);
        assert_eq!(
            elf.at_address(build::BASE + offsets[0], 5),
            Some(&b"hello"[..])
        );
        assert_eq!(elf.at_address(build::BASE - 1, 1), None);
        assert_eq!(elf.at_address(u64::MAX, 2), None);
    }

    #[test]
    fn hostile_headers_are_errors() {
        let (file, _) = build::elf(&[(".a", b"hello")]);
        for len in [0, 3, 4, 20, 63, 64, 100, file.len() - 1] {
            let _ = Elf::parse(&file[..len]); // never panics
        }
        assert!(
            Elf::parse(&file[..40])
                .unwrap_err()
                .contains("truncated ELF")
        );
        let mut bad = file.clone();
        bad[0x28..0x30].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(Elf::parse(&bad).is_err());
        // A section claiming 2^62 bytes is refused, not allocated.
        let mut huge = file.clone();
        let shoff = u64::from_le_bytes(file[0x28..0x30].try_into().unwrap()) as usize;
        huge[shoff + 64 + 32..shoff + 64 + 40].copy_from_slice(&(1u64 << 62).to_le_bytes());
        let elf = Elf::parse(&huge).unwrap();
        assert!(elf.section(".a").unwrap_err().contains("past the end"));
        let mut class = file;
        class[4] = 9;
        assert!(Elf::parse(&class).unwrap_err().contains("unknown class"));
    }
}
