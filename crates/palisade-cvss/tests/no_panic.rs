//! Random and mutated vectors never panic the scorer, and scores stay within 0.0–10.0.

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

#[test]
fn random_vectors_never_panic() {
    let seeds = [
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P/MSI:S/CR:L",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H/E:F/MAV:L",
        "AV:N/AC:L/Au:N/C:P/I:P/A:P/E:POC",
    ];
    const ALPHABET: &[u8] = b"CVSS:3.14.0/AVNLPHUIRSXMQ:/EaucT";
    let mut rng = Rng(0x0dd_ba11_cafe_f00d);
    let mut scored = 0;
    for i in 0..30_000 {
        let mut bytes = seeds[i % seeds.len()].as_bytes().to_vec();
        for _ in 0..(rng.next() % 4) {
            let pos = (rng.next() as usize) % (bytes.len() + 1);
            match rng.next() % 3 {
                0 if pos < bytes.len() => {
                    bytes.remove(pos);
                }
                1 => bytes.insert(pos, ALPHABET[(rng.next() as usize) % ALPHABET.len()]),
                _ if pos < bytes.len() => {
                    bytes[pos] = ALPHABET[(rng.next() as usize) % ALPHABET.len()];
                }
                _ => {}
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(s) = palisade_cvss::score(&text) {
            assert!((0.0..=10.0).contains(&s.score), "{text:?}: {}", s.score);
            scored += 1;
        }
    }
    assert!(
        scored > 1_000,
        "mutations should keep many vectors valid ({scored})"
    );
}
