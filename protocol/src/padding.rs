//! Padmé padding (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and
//! Communication with PURBs", PETS 2019): a plaintext of length L is padded to a length
//! whose low bits are zero, leaking O(log log L) bits of its size with at most 12 % overhead.
//! Every document body is padded to `padded_len(L)` before age encrypts it.

/// No document is shorter than this, so short forms all look alike.
pub const MIN_PADDED: u64 = 4096;

/// The Padmé length for `len`, never below [`MIN_PADDED`].
pub fn padded_len(len: u64) -> u64 {
    let l = len.max(MIN_PADDED);
    let e = 63 - u64::from(l.leading_zeros()); // floor(log2 l), l >= 4096
    let s = 64 - u64::from(e.leading_zeros()); // floor(log2 e) + 1
    let last_bits = e - s;
    let mask = (1u64 << last_bits) - 1;
    l.saturating_add(mask) & !mask
}

/// True when `len` is a length [`padded_len`] can produce.
pub fn is_padded(len: u64) -> bool {
    len >= MIN_PADDED && padded_len(len) == len
}

/// age's STREAM: 64 KiB plaintext chunks, each followed by a 16-byte Poly1305 tag.
const CHUNK: u64 = 64 * 1024;
const TAG: u64 = 16;

/// The age payload length (after header and nonce) for a plaintext of `len` bytes.
pub fn age_payload_len(len: u64) -> u64 {
    let chunks = if len == 0 { 1 } else { len.div_ceil(CHUNK) };
    len + chunks * TAG
}

/// Inverts [`age_payload_len`]; `None` when no plaintext length gives `payload`.
pub fn plaintext_len(payload: u64) -> Option<u64> {
    let full = payload / (CHUNK + TAG);
    let rem = payload % (CHUNK + TAG);
    let len = match (full, rem) {
        (0, r) if r < TAG => return None,
        (_, 0) => full * CHUNK,
        (_, r) if r <= TAG => return None, // a final chunk must hold data unless it is the only one
        (_, r) => full * CHUNK + (r - TAG),
    };
    (age_payload_len(len) == payload).then_some(len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn padme_examples() {
        assert_eq!(padded_len(0), 4096);
        assert_eq!(padded_len(4096), 4096);
        assert_eq!(padded_len(4097), 4352);
        assert_eq!(padded_len(1_000_000), 1_015_808);
        assert_eq!(padded_len(1 << 30), 1 << 30);
        assert!(is_padded(4352));
        assert!(!is_padded(4353));
        assert!(!is_padded(100));
    }

    proptest! {
        #[test]
        fn padme_is_bounded_and_idempotent(len in 0u64..(1 << 40)) {
            let p = padded_len(len);
            prop_assert!(p >= len);
            prop_assert!(p >= MIN_PADDED);
            prop_assert!(p - len.max(MIN_PADDED) <= len.max(MIN_PADDED) / 8 + 1);
            prop_assert_eq!(padded_len(p), p);
        }

        #[test]
        fn payload_len_inverts(len in 0u64..(1 << 36)) {
            prop_assert_eq!(plaintext_len(age_payload_len(len)), Some(len));
        }
    }
}
