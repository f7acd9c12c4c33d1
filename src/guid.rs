//! GUIDs: customer tenant ids and subscription ids, as text in canonical form and as numbers.
//!
//! A leaf module: ingest reads them off export cells, the command line checks `--frontline`
//! values and the scripts stage checks the ids it reads back from `plan.json`, all with the same
//! rules.

/// A GUID in canonical form (lower case, hyphenated), from any case, with or without braces or
/// hyphens.
pub fn parse_guid(s: &str) -> Option<String> {
    let mut out = String::with_capacity(36);
    guid_key(s, &mut out).then_some(out)
}

/// Writes the canonical form of a GUID into `out` (cleared first), without allocating once
/// `out` has room; false when `s` is not a GUID.
pub fn guid_key(s: &str, out: &mut String) -> bool {
    out.clear();
    let t = s.trim();
    let t = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')).unwrap_or(t);
    let hyphenated = t.contains('-');
    if hyphenated {
        // Hyphens must be where a GUID has them.
        let mut groups = t.split('-').map(str::len);
        if !(groups.next() == Some(8)
            && groups.next() == Some(4)
            && groups.next() == Some(4)
            && groups.next() == Some(4)
            && groups.next() == Some(12)
            && groups.next().is_none())
        {
            return false;
        }
    }
    let mut n = 0;
    for c in t.chars().filter(|&c| c != '-') {
        if !c.is_ascii_hexdigit() || n == 32 {
            return false;
        }
        if matches!(n, 8 | 12 | 16 | 20) {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
        n += 1;
    }
    n == 32
}

/// A GUID read from raw cell bytes as a number, under the same rules as [`guid_key`]: the key
/// of the customer sets that are looked up once per row of a large file.
pub fn guid_bits(raw: &[u8]) -> Option<u128> {
    let t = raw.trim_ascii();
    if t.first().is_some_and(|b| !b.is_ascii()) || t.last().is_some_and(|b| !b.is_ascii()) {
        // White space beyond ASCII (a no-break space, say) is trimmed as `str::trim` does.
        return guid_bits_trimmed(std::str::from_utf8(t).ok()?.trim().as_bytes());
    }
    guid_bits_trimmed(t)
}

fn guid_bits_trimmed(t: &[u8]) -> Option<u128> {
    let t = match t {
        [b'{', inner @ .., b'}'] => inner,
        _ => t,
    };
    // Hex digits at fixed places: 8-4-4-4-12 with hyphens, or 32 in a row. A hyphen anywhere
    // else is not a hex digit, so it fails below.
    let mut digits = [0u8; 32];
    match t.len() {
        36 if t[8] == b'-' && t[13] == b'-' && t[18] == b'-' && t[23] == b'-' => {
            digits[..8].copy_from_slice(&t[..8]);
            digits[8..12].copy_from_slice(&t[9..13]);
            digits[12..16].copy_from_slice(&t[14..18]);
            digits[16..20].copy_from_slice(&t[19..23]);
            digits[20..].copy_from_slice(&t[24..]);
        }
        32 => digits.copy_from_slice(t),
        _ => return None,
    }
    let mut halves = [0u64; 2];
    for (half, chunk) in halves.iter_mut().zip(digits.chunks_exact(16)) {
        let mut bad = 0u8;
        for &d in chunk {
            let v = HEX[usize::from(d)];
            bad |= v;
            *half = *half << 4 | u64::from(v & 0x0F);
        }
        if bad & 0xF0 != 0 {
            return None;
        }
    }
    Some(u128::from(halves[0]) << 64 | u128::from(halves[1]))
}

/// The value of each byte as a hex digit; 0xFF for a byte that is none.
const HEX: [u8; 256] = {
    let mut t = [0xFFu8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// The canonical text of a GUID number (lower case, hyphenated), as [`parse_guid`] gives it.
pub fn guid_text(bits: u128) -> String {
    let mut out = String::with_capacity(36);
    write_guid(bits, &mut out);
    out
}

/// Writes the canonical text of a GUID number into `out` (cleared first), without allocating
/// once `out` has room.
pub fn write_guid(bits: u128, out: &mut String) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.clear();
    for i in 0..32 {
        if matches!(i, 8 | 12 | 16 | 20) {
            out.push('-');
        }
        let nibble = (bits >> (124 - 4 * i)) & 0xF;
        out.push(char::from(DIGITS[nibble as usize]));
    }
}

/// A set of GUIDs, hashed cheaply (the keys are random already).
pub type GuidSet = rustc_hash::FxHashSet<u128>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_in_any_form() {
        let want = Some("0a1b2c3d-0000-4000-8000-00000000abcd".to_string());
        assert_eq!(parse_guid("0A1B2C3D-0000-4000-8000-00000000ABCD"), want);
        assert_eq!(parse_guid("{0a1b2c3d-0000-4000-8000-00000000abcd}"), want);
        assert_eq!(parse_guid("0a1b2c3d000040008000 00000000abcd".replace(' ', "").as_str()), want);
        assert_eq!(parse_guid("0a1b2c3d-0000-4000-8000"), None);
        assert_eq!(parse_guid("0a1b2c3d0-000-4000-8000-00000000abcd"), None);
        assert_eq!(parse_guid("contoso"), None);
    }
}
