//! A structural check of an OLE2 compound file (the container of .xls) before calamine reads
//! it. calamine follows the sector numbers a file gives it without checking them against the
//! file: one flipped bit in a sector chain made it reserve terabytes, and the process aborted
//! (found by the fuzz run, `tests/fuzz`), and a chain that loops would grow without end. So
//! every number calamine will follow or size a buffer by is checked here against the file's
//! own size first; a file that fails is refused as damaged, never handed on.

const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
/// Sector numbers at or above this are markers, not sectors.
const MAXREGSECT: u32 = 0xFFFF_FFFA;
/// Streams shorter than this live in the mini stream, in 64-byte mini sectors.
const MINI_CUTOFF: usize = 4096;
/// calamine sizes a list by the 4 bytes at offset 62 of the header (they straddle two
/// fields); legitimate files keep that number small, and it must stay small.
const MAX_HEADER_LIST: usize = 1 << 20;

fn u16_at(b: &[u8], o: usize) -> u16 {
    u16::from_le_bytes([b[o], b[o + 1]])
}

fn u32_at(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]])
}

fn u32s(b: &[u8]) -> impl Iterator<Item = u32> + '_ {
    b.chunks_exact(4).map(|c| u32_at(c, 0))
}

struct File<'a> {
    bytes: &'a [u8],
    size: usize,
    sectors: usize,
}

impl<'a> File<'a> {
    fn sector(&self, id: u32) -> Result<&'a [u8], &'static str> {
        let id = id as usize;
        if id >= self.sectors {
            return Err("扇区编号超出文件范围");
        }
        Ok(&self.bytes[(id + 1) * self.size..(id + 2) * self.size])
    }
}

/// Follows a chain through `table` from `start` as calamine does (until ENDOFCHAIN),
/// requiring every link to be a sector the table and the data hold, and no loop.
fn chain(start: u32, table: &[u32], units: usize) -> Result<Vec<u32>, &'static str> {
    let mut ids = Vec::new();
    let mut id = start;
    while id != ENDOFCHAIN {
        if id >= MAXREGSECT || id as usize >= table.len() || id as usize >= units {
            return Err("扇区链指向不存在的扇区");
        }
        if ids.len() >= table.len() {
            return Err("扇区链循环");
        }
        ids.push(id);
        id = table[id as usize];
    }
    Ok(ids)
}

/// `Ok` when calamine can read the compound file without trusting anything unchecked.
pub(crate) fn check(bytes: &[u8]) -> Result<(), &'static str> {
    if bytes.len() < 512 {
        return Err("文件不完整");
    }
    let size = match u16_at(bytes, 30) {
        9 => 512,
        12 => 4096,
        _ => return Err("扇区大小无效"),
    };
    if u16_at(bytes, 32) != 6 {
        return Err("小扇区大小无效");
    }
    if bytes.len() < 2 * size || !bytes.len().is_multiple_of(size) {
        return Err("文件长度与扇区不符（文件可能不完整）");
    }
    let f = File {
        bytes,
        size,
        sectors: bytes.len() / size - 1,
    };
    let dir_len = u32_at(bytes, 40) as usize;
    let fat_len = u32_at(bytes, 44) as usize;
    let dir_start = u32_at(bytes, 48);
    let mini_fat_start = u32_at(bytes, 60);
    let mini_fat_len = u32_at(bytes, 64) as usize;
    let difat_start = u32_at(bytes, 68);
    if dir_len > f.sectors || fat_len > f.sectors || mini_fat_len > f.sectors {
        return Err("文件头所称的扇区数超出文件大小");
    }
    if u32_at(bytes, 62) as usize > MAX_HEADER_LIST {
        return Err("文件头字段异常");
    }

    // The DIFAT: 109 entries in the header, then a chain of sectors whose last entry links
    // the next.
    let mut difat: Vec<u32> = u32s(&bytes[76..512]).collect();
    let mut next = difat_start;
    let mut hops = 0;
    while next < MAXREGSECT {
        hops += 1;
        if hops > f.sectors {
            return Err("扇区分配表链循环");
        }
        difat.extend(u32s(f.sector(next)?));
        next = difat.pop().unwrap_or(ENDOFCHAIN);
    }
    // The FAT: the sectors the DIFAT names (calamine takes every entry below DIFSECT).
    let mut fat: Vec<u32> = Vec::new();
    for id in difat.into_iter().filter(|id| *id < 0xFFFF_FFFC) {
        fat.extend(u32s(f.sector(id)?));
    }

    // The directory, in 128-byte entries.
    let mut dir = Vec::new();
    for id in chain(dir_start, &fat, f.sectors)? {
        dir.extend_from_slice(f.sector(id)?);
    }
    if dir_len > 0 {
        dir.truncate(dir_len * size);
    }
    if dir.len() < 128 || !dir.len().is_multiple_of(128) {
        return Err("目录不完整");
    }
    let entries: Vec<(u32, usize)> = dir
        .chunks_exact(128)
        .map(|e| {
            let start = u32_at(e, 116);
            let len = if size == 512 {
                u32_at(e, 120) as usize
            } else {
                usize::try_from(u64::from_le_bytes([
                    e[120], e[121], e[122], e[123], e[124], e[125], e[126], e[127],
                ]))
                .unwrap_or(usize::MAX)
            };
            (start, len)
        })
        .collect();
    if entries.iter().any(|(_, len)| *len > bytes.len()) {
        return Err("目录中的流长度超出文件大小");
    }

    // The mini stream (the root entry's chain) and its table.
    let (root_start, root_len) = entries[0];
    let (mini_fat, mini_units) = if mini_fat_len > 0 {
        let ministream = chain(root_start, &fat, f.sectors)?;
        let held = (ministream.len() * size).min(root_len);
        let mut table = Vec::new();
        for id in chain(mini_fat_start, &fat, f.sectors)? {
            table.extend(u32s(f.sector(id)?));
        }
        table.truncate(mini_fat_len * size / 4);
        (table, held / 64)
    } else {
        (Vec::new(), 0)
    };

    // Every stream a name may ask for; the workbook's records are then scanned.
    for (i, (start, len)) in entries.iter().enumerate().skip(1) {
        if *len == 0 {
            continue;
        }
        if *len < MINI_CUTOFF {
            chain(*start, &mini_fat, mini_units)?;
        } else {
            let ids = chain(*start, &fat, f.sectors)?;
            if matches!(
                entry_name(&dir[i * 128..i * 128 + 128]).as_str(),
                "Workbook" | "Book"
            ) {
                let mut stream = Vec::with_capacity(*len);
                for id in ids {
                    stream.extend_from_slice(f.sector(id)?);
                }
                stream.truncate(*len);
                check_cells(&stream)?;
            }
        }
    }
    Ok(())
}

/// The cells calamine reserves for a DIMENSIONS record, computed as it does (with its u32
/// arithmetic, which wraps on a last row before the first).
fn dimensions_area(r: &[u8]) -> u64 {
    let (rf, rl, mut cf, cl) = match r.len() {
        10 => (
            u32::from(u16_at(r, 0)),
            u32::from(u16_at(r, 2)),
            u32::from(u16_at(r, 4)),
            u32::from(u16_at(r, 6)),
        ),
        14 => (
            u32_at(r, 0),
            u32_at(r, 4),
            u32::from(u16_at(r, 8)),
            u32::from(u16_at(r, 10)),
        ),
        _ => return 0,
    };
    if 0xFF < cf || cl < cf {
        cf = 0;
    }
    if rl < 1 || cl < 1 {
        return 1;
    }
    let rows = u64::from((rl - 1).wrapping_sub(rf).wrapping_add(1));
    let cols = u64::from((cl - 1).wrapping_sub(cf).wrapping_add(1));
    rows.saturating_mul(cols)
}

fn entry_name(e: &[u8]) -> String {
    let units: Vec<u16> = e[..64]
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|u| *u != 0)
        .collect();
    String::from_utf16_lossy(&units)
}

/// calamine lays each sheet out as one rectangle from its first cell to its last, so a
/// single cell record with a far row or column (one flipped bit) would cost millions of
/// empty cells. Each sheet's rectangle must stay within a few times what its cell records
/// fill (a ledger's sheet is mostly filled; the fuzz run's allocation bound holds with 8).
fn check_cells(stream: &[u8]) -> Result<(), &'static str> {
    // Cell records: the row at offset 0 and the column at 2 of their data.
    const CELLS: [u16; 9] = [
        0x00FD, 0x0203, 0x027E, 0x0204, 0x0201, 0x0205, 0x0006, 0x00BD, 0x00BE,
    ];
    let mut at = 0;
    let mut bounds: Option<(u32, u32, u32, u32)> = None;
    let mut count: u64 = 0;
    // The largest DIMENSIONS of the sheet, as calamine computes it: it reserves that many
    // cells before reading any.
    let mut dims: u64 = 0;
    let settle = |bounds: &mut Option<(u32, u32, u32, u32)>, count: &mut u64, dims: &mut u64| {
        // calamine keeps a value and a formula grid per sheet (~56 bytes a cell), for every
        // sheet at once: a small sheet may be sparse, a big one hardly.
        let fits = |area: u64| area <= 4_096 || area <= *count * 8;
        let ok = match bounds.take() {
            Some((r0, r1, c0, c1)) => fits(u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1)),
            None => true,
        } && fits(*dims);
        *count = 0;
        *dims = 0;
        ok
    };
    while at + 4 <= stream.len() {
        let kind = u16_at(stream, at);
        let len = usize::from(u16_at(stream, at + 2));
        let data = &stream[at + 4..(at + 4 + len).min(stream.len())];
        if kind == 0x0809 && !settle(&mut bounds, &mut count, &mut dims) {
            return Err("工作表范围异常");
        }
        if kind == 0x0200 {
            dims = dims.max(dimensions_area(data));
        }
        if CELLS.contains(&kind) && data.len() >= 4 {
            let row = u32::from(u16_at(data, 0));
            let col = u32::from(u16_at(data, 2));
            // MULRK/MULBLANK end with their last column.
            let last = if matches!(kind, 0x00BD | 0x00BE) && data.len() >= 6 {
                u32::from(u16_at(data, data.len() - 2)).max(col)
            } else {
                col
            };
            count += 1 + u64::from(last - col);
            bounds = Some(match bounds {
                None => (row, row, col, last),
                Some((r0, r1, c0, c1)) => (r0.min(row), r1.max(row), c0.min(col), c1.max(last)),
            });
        }
        at += 4 + len;
    }
    if settle(&mut bounds, &mut count, &mut dims) {
        Ok(())
    } else {
        Err("工作表范围异常")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_must_end_inside_the_table_without_a_loop() {
        let table = [1, 2, ENDOFCHAIN, 0];
        assert_eq!(chain(0, &table, 4), Ok(vec![0, 1, 2]));
        assert!(chain(3, &[3, 3, 3, 3], 4).is_err(), "a loop");
        assert!(chain(0, &[7], 8).is_err(), "past the table");
        assert!(
            chain(0, &[0xFFFF_FFFF], 1).is_err(),
            "a free sector is no end"
        );
        assert_eq!(chain(ENDOFCHAIN, &[], 0), Ok(vec![]));
    }

    #[test]
    fn dimensions_count_as_calamine_reserves_them() {
        let biff8 = |rf: u32, rl: u32, cf: u16, cl: u16| {
            let mut r = Vec::new();
            r.extend_from_slice(&rf.to_le_bytes());
            r.extend_from_slice(&rl.to_le_bytes());
            r.extend_from_slice(&cf.to_le_bytes());
            r.extend_from_slice(&cl.to_le_bytes());
            r.extend_from_slice(&[0, 0]);
            r
        };
        assert_eq!(dimensions_area(&biff8(0, 10, 0, 4)), 40);
        // A flipped bit in the last row: a billion rows reserved.
        assert!(dimensions_area(&biff8(0, 0x4000_0000, 0, 4)) > 1 << 31);
        assert_eq!(dimensions_area(&biff8(0, 0, 0, 0)), 1);
        assert_eq!(dimensions_area(&[0; 3]), 0);
    }

    #[test]
    fn short_or_odd_files_are_refused() {
        assert!(check(&[0u8; 100]).is_err());
        let mut header = vec![0u8; 512];
        header[30] = 9;
        header[32] = 6;
        assert!(check(&header).is_err(), "no sector after the header");
        header.extend(vec![0u8; 300]);
        assert!(check(&header).is_err(), "a partial sector");
    }
}
