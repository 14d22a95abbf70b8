//! The kernel CSPRNG: ChaCha20 keyed from RDSEED/RDRAND (and TSC jitter as a last resort), with
//! fast key erasure — each refill replaces the key — so past output cannot be reconstructed.

use core::arch::x86_64::{_rdrand64_step, _rdseed64_step};

use crate::sync::SpinLock;

struct ChaCha {
    key: [u32; 8],
    counter: u64,
}

fn quarter(s: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
    s[a] = s[a].wrapping_add(s[b]);
    s[d] = (s[d] ^ s[a]).rotate_left(16);
    s[c] = s[c].wrapping_add(s[d]);
    s[b] = (s[b] ^ s[c]).rotate_left(12);
    s[a] = s[a].wrapping_add(s[b]);
    s[d] = (s[d] ^ s[a]).rotate_left(8);
    s[c] = s[c].wrapping_add(s[d]);
    s[b] = (s[b] ^ s[c]).rotate_left(7);
}

fn chacha20_block(key: &[u32; 8], counter: u64) -> [u8; 64] {
    let mut init = [0u32; 16];
    init[..4].copy_from_slice(&[0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574]);
    init[4..12].copy_from_slice(key);
    init[12] = counter as u32;
    init[13] = (counter >> 32) as u32;
    let mut s = init;
    for _ in 0..10 {
        quarter(&mut s, 0, 4, 8, 12);
        quarter(&mut s, 1, 5, 9, 13);
        quarter(&mut s, 2, 6, 10, 14);
        quarter(&mut s, 3, 7, 11, 15);
        quarter(&mut s, 0, 5, 10, 15);
        quarter(&mut s, 1, 6, 11, 12);
        quarter(&mut s, 2, 7, 8, 13);
        quarter(&mut s, 3, 4, 9, 14);
    }
    let mut out = [0u8; 64];
    for i in 0..16 {
        out[4 * i..4 * i + 4].copy_from_slice(&s[i].wrapping_add(init[i]).to_le_bytes());
    }
    out
}

static RNG: SpinLock<ChaCha> = SpinLock::new(ChaCha { key: [0; 8], counter: 0 });

fn hardware_word() -> u64 {
    let f = crate::arch::cpu::features();
    let mut v = 0u64;
    for _ in 0..10 {
        // SAFETY: the instructions exist (checked via cpuid) and only write `v`.
        let ok = unsafe {
            if f.rdseed {
                _rdseed64_step(&mut v) == 1
            } else if f.rdrand {
                _rdrand64_step(&mut v) == 1
            } else {
                false
            }
        };
        if ok {
            return v;
        }
    }
    // No hardware RNG: mix timer jitter (weak, but better than a constant).
    let mut x = 0u64;
    for _ in 0..64 {
        x = x.rotate_left(7) ^ crate::arch::cpu::rdtsc();
    }
    x
}

pub fn init() {
    let mut rng = RNG.lock();
    for pair in rng.key.chunks_mut(2) {
        let w = hardware_word();
        pair[0] = w as u32;
        pair[1] = (w >> 32) as u32;
    }
}

/// Fills `buf` with random bytes.
pub fn fill(buf: &mut [u8]) {
    let mut rng = RNG.lock();
    for chunk in buf.chunks_mut(32) {
        let block = chacha20_block(&rng.key, rng.counter);
        rng.counter = rng.counter.wrapping_add(1);
        // First half rekeys (fast key erasure), second half is output.
        for i in 0..8 {
            rng.key[i] = u32::from_le_bytes([block[4 * i], block[4 * i + 1], block[4 * i + 2], block[4 * i + 3]]);
        }
        chunk.copy_from_slice(&block[32..32 + chunk.len()]);
    }
}

pub fn u64() -> u64 {
    let mut b = [0u8; 8];
    fill(&mut b);
    u64::from_le_bytes(b)
}
