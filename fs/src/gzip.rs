//! gzip members (RFC 1952) inflated with miniz_oxide, with every header field and both
//! trailer checks (CRC-32, size) verified. A member may be followed by anything (the next
//! archive of an initramfs), so the bytes it used are reported.

use alloc::vec::Vec;
use core::fmt;

use miniz_oxide::inflate::stream::{InflateState, inflate};
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};

const FHCRC: u8 = 0x02;
const FEXTRA: u8 = 0x04;
const FNAME: u8 = 0x08;
const FCOMMENT: u8 = 0x10;
const FRESERVED: u8 = 0xe0;
const CM_DEFLATE: u8 = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GzipError {
    NotGzip,
    UnsupportedMethod,
    ReservedFlags,
    TruncatedHeader,
    HeaderCrc,
    Corrupt,
    Truncated,
    Crc,
    Size,
    TooLarge,
}

impl GzipError {
    pub fn message(self) -> &'static str {
        match self {
            GzipError::NotGzip => "not gzip data",
            GzipError::UnsupportedMethod => "gzip: compression method is not deflate",
            GzipError::ReservedFlags => "gzip: reserved header flags set",
            GzipError::TruncatedHeader => "gzip: truncated header",
            GzipError::HeaderCrc => "gzip: header CRC mismatch",
            GzipError::Corrupt => "gzip: corrupt deflate data",
            GzipError::Truncated => "gzip: truncated data",
            GzipError::Crc => "gzip: data CRC mismatch",
            GzipError::Size => "gzip: data size mismatch",
            GzipError::TooLarge => "gzip: decompressed data too large",
        }
    }
}

impl fmt::Display for GzipError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// Whether `data` starts with a gzip magic (`1f 8b`, or the old `1f 9e` Linux also accepts).
pub fn is_gzip(data: &[u8]) -> bool {
    matches!(data, [0x1f, 0x8b | 0x9e, ..])
}

/// Inflate the gzip member at the start of `data`, producing at most `max_out` bytes.
/// Returns the data and the number of input bytes the member occupied.
pub fn gunzip(data: &[u8], max_out: usize) -> Result<(Vec<u8>, usize), GzipError> {
    if !is_gzip(data) {
        return Err(GzipError::NotGzip);
    }
    let start = header_len(data)?;
    let (out, used) = inflate_raw(&data[start..], max_out)?;
    let trailer = start + used;
    let crc = read_u32(data, trailer).ok_or(GzipError::Truncated)?;
    let size = read_u32(data, trailer + 4).ok_or(GzipError::Truncated)?;
    if crc32(&out) != crc {
        return Err(GzipError::Crc);
    }
    if out.len() as u32 != size {
        return Err(GzipError::Size);
    }
    Ok((out, trailer + 8))
}

/// Length of the member header, after checking it.
fn header_len(data: &[u8]) -> Result<usize, GzipError> {
    let fixed = data.get(..10).ok_or(GzipError::TruncatedHeader)?;
    if fixed[2] != CM_DEFLATE {
        return Err(GzipError::UnsupportedMethod);
    }
    let flags = fixed[3];
    if flags & FRESERVED != 0 {
        return Err(GzipError::ReservedFlags);
    }
    let mut pos = 10;
    if flags & FEXTRA != 0 {
        let xlen = data.get(pos..pos + 2).ok_or(GzipError::TruncatedHeader)?;
        pos += 2 + u16::from_le_bytes([xlen[0], xlen[1]]) as usize;
        if pos > data.len() {
            return Err(GzipError::TruncatedHeader);
        }
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            let nul = data[pos..]
                .iter()
                .position(|&b| b == 0)
                .ok_or(GzipError::TruncatedHeader)?;
            pos += nul + 1;
        }
    }
    if flags & FHCRC != 0 {
        let stored = data.get(pos..pos + 2).ok_or(GzipError::TruncatedHeader)?;
        if crc32(&data[..pos]) as u16 != u16::from_le_bytes([stored[0], stored[1]]) {
            return Err(GzipError::HeaderCrc);
        }
        pos += 2;
    }
    Ok(pos)
}

/// Inflate a raw deflate stream; returns the output and the input bytes the stream used.
fn inflate_raw(input: &[u8], max_out: usize) -> Result<(Vec<u8>, usize), GzipError> {
    const CHUNK: usize = 64 * 1024;
    let mut state = InflateState::new_boxed(DataFormat::Raw);
    let mut out: Vec<u8> = Vec::new();
    let (mut in_pos, mut out_len) = (0, 0);
    let mut idle = 0;
    loop {
        if out.len() - out_len < CHUNK {
            if out_len > max_out {
                return Err(GzipError::TooLarge);
            }
            let grow = out
                .len()
                .max(CHUNK)
                .min(max_out.saturating_sub(out.len()).max(CHUNK));
            out.resize(out.len() + grow, 0);
        }
        let r = inflate(
            &mut state,
            &input[in_pos..],
            &mut out[out_len..],
            MZFlush::None,
        );
        in_pos += r.bytes_consumed;
        out_len += r.bytes_written;
        idle = if r.bytes_consumed == 0 && r.bytes_written == 0 {
            idle + 1
        } else {
            0
        };
        match r.status {
            Ok(MZStatus::StreamEnd) => break,
            Ok(_) if idle < 2 => {}
            Err(MZError::Buf) | Ok(_) if in_pos >= input.len() => return Err(GzipError::Truncated),
            _ => return Err(GzipError::Corrupt),
        }
    }
    if out_len > max_out {
        return Err(GzipError::TooLarge);
    }
    out.truncate(out_len);
    Ok((out, in_pos))
}

fn read_u32(data: &[u8], at: usize) -> Option<u32> {
    let b = data.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// The CRC-32 gzip uses (IEEE 802.3, reflected).
pub fn crc32(data: &[u8]) -> u32 {
    !data.iter().fold(!0u32, |c, &b| {
        CRC_TABLE[((c ^ b as u32) & 0xff) as usize] ^ (c >> 8)
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use alloc::vec;

    /// A gzip member of `data` with the given optional header fields.
    pub(crate) fn gzip(
        data: &[u8],
        name: Option<&[u8]>,
        extra: Option<&[u8]>,
        comment: Option<&[u8]>,
        hcrc: bool,
    ) -> Vec<u8> {
        let mut flags = 0;
        if name.is_some() {
            flags |= FNAME;
        }
        if extra.is_some() {
            flags |= FEXTRA;
        }
        if comment.is_some() {
            flags |= FCOMMENT;
        }
        if hcrc {
            flags |= FHCRC;
        }
        let mut out = vec![0x1f, 0x8b, 8, flags, 0, 0, 0, 0, 0, 3];
        if let Some(x) = extra {
            out.extend_from_slice(&(x.len() as u16).to_le_bytes());
            out.extend_from_slice(x);
        }
        for s in [name, comment].into_iter().flatten() {
            out.extend_from_slice(s);
            out.push(0);
        }
        if hcrc {
            let c = crc32(&out) as u16;
            out.extend_from_slice(&c.to_le_bytes());
        }
        out.extend_from_slice(&miniz_oxide::deflate::compress_to_vec(data, 6));
        out.extend_from_slice(&crc32(data).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out
    }

    #[test]
    fn crc32_known_value() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn round_trip_with_all_header_fields() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let gz = gzip(
            &data,
            Some(b"initramfs.cpio"),
            Some(b"xx\x02\x00ab"),
            Some(b"hello"),
            true,
        );
        let mut input = gz.clone();
        input.extend_from_slice(b"trailing junk");
        let (out, used) = gunzip(&input, usize::MAX).unwrap();
        assert_eq!(out, data);
        assert_eq!(used, gz.len());
    }

    #[test]
    fn empty_member() {
        let gz = gzip(b"", None, None, None, false);
        assert_eq!(gunzip(&gz, usize::MAX), Ok((Vec::new(), gz.len())));
    }

    #[test]
    fn header_errors() {
        let gz = gzip(b"abc", Some(b"n"), None, None, true);
        assert_eq!(gunzip(b"\x1f", usize::MAX), Err(GzipError::NotGzip));
        assert_eq!(
            gunzip(&gz[..5], usize::MAX),
            Err(GzipError::TruncatedHeader)
        );
        let mut bad = gz.clone();
        bad[2] = 7;
        assert_eq!(gunzip(&bad, usize::MAX), Err(GzipError::UnsupportedMethod));
        let mut bad = gz.clone();
        bad[3] |= 0x80;
        assert_eq!(gunzip(&bad, usize::MAX), Err(GzipError::ReservedFlags));
        let mut bad = gz.clone();
        bad[10] = b'm'; // the name is covered by the header CRC
        assert_eq!(gunzip(&bad, usize::MAX), Err(GzipError::HeaderCrc));
        let mut bad = gzip(b"abc", None, Some(b"x"), None, false);
        bad[10] = 0xff; // XLEN far beyond the data
        assert_eq!(gunzip(&bad, usize::MAX), Err(GzipError::TruncatedHeader));
    }

    #[test]
    fn trailer_errors() {
        let gz = gzip(b"hello world", None, None, None, false);
        let n = gz.len();
        let mut bad = gz.clone();
        bad[n - 8] ^= 1;
        assert_eq!(gunzip(&bad, usize::MAX), Err(GzipError::Crc));
        let mut bad = gz.clone();
        bad[n - 4] ^= 1;
        assert_eq!(gunzip(&bad, usize::MAX), Err(GzipError::Size));
        assert_eq!(gunzip(&gz[..n - 3], usize::MAX), Err(GzipError::Truncated));
    }

    #[test]
    fn every_truncation_is_an_error() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i % 13) as u8).collect();
        let gz = gzip(&data, Some(b"f"), None, None, false);
        for len in 0..gz.len() {
            assert!(
                gunzip(&gz[..len], usize::MAX).is_err(),
                "prefix {len} accepted"
            );
        }
    }

    #[test]
    fn corrupt_data_never_panics() {
        let data: Vec<u8> = (0..3000u32).map(|i| (i * 31 % 256) as u8).collect();
        let gz = gzip(&data, None, None, None, false);
        for i in 10..gz.len() {
            for bit in [0x01, 0x10, 0x80] {
                let mut bad = gz.clone();
                bad[i] ^= bit;
                // A flip is caught by the decoder or the CRC, or lands in padding bits the
                // decoder ignores; it never yields different data.
                if let Ok((out, _)) = gunzip(&bad, usize::MAX) {
                    assert_eq!(out, data, "flip at {i} changed the data");
                }
            }
        }
    }

    #[test]
    fn output_limit() {
        let data = vec![0u8; 300_000];
        let gz = gzip(&data, None, None, None, false);
        assert_eq!(gunzip(&gz, 1000), Err(GzipError::TooLarge));
        assert_eq!(gunzip(&gz, 300_000).map(|(d, _)| d.len()), Ok(300_000));
    }
}
