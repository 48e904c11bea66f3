//! Identifiers: UUIDv7 event ids and random visitor/session ids, from injected entropy.

/// A source of random bytes. The browser shell uses `crypto.getRandomValues`; tests use a seed.
pub trait Entropy {
    /// Fills `buf` with random bytes.
    fn fill(&mut self, buf: &mut [u8]);
}

/// A deterministic generator (SplitMix64) for tests and simulations.
#[derive(Debug, Clone)]
pub struct SeededEntropy(pub u64);

impl Entropy for SeededEntropy {
    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
    }
}

/// A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then random bits. Ids sort by creation time.
///
/// ```
/// use shopcue::id::{uuid_v7, SeededEntropy};
/// let id = uuid_v7(1_700_000_000_000, &mut SeededEntropy(1));
/// assert_eq!(&id[14..15], "7");
/// ```
pub fn uuid_v7(now_ms: i64, entropy: &mut dyn Entropy) -> String {
    let mut b = [0u8; 16];
    entropy.fill(&mut b[6..]);
    let ms = (now_ms.max(0) as u64).to_be_bytes();
    b[..6].copy_from_slice(&ms[2..]);
    b[6] = (b[6] & 0x0F) | 0x70;
    b[8] = (b[8] & 0x3F) | 0x80;
    format_uuid(&b)
}

/// A random (version 4) UUID, for visitor and session ids.
pub fn uuid_v4(entropy: &mut dyn Entropy) -> String {
    let mut b = [0u8; 16];
    entropy.fill(&mut b);
    b[6] = (b[6] & 0x0F) | 0x40;
    b[8] = (b[8] & 0x3F) | 0x80;
    format_uuid(&b)
}

fn format_uuid(b: &[u8; 16]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push(HEX[(byte >> 4) as usize] as char);
        s.push(HEX[(byte & 15) as usize] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v7_ids_are_well_formed_unique_and_time_ordered() {
        let mut e = SeededEntropy(7);
        let a = uuid_v7(1_700_000_000_000, &mut e);
        let b = uuid_v7(1_700_000_000_001, &mut e);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[..13], "018bcfe5-6800");
        assert!(a < b);
        assert_ne!(uuid_v7(5, &mut e), uuid_v7(5, &mut e));
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"));
        assert_eq!(&uuid_v4(&mut e)[14..15], "4");
    }
}
