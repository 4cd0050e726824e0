//! The demo's random numbers: splitmix64, seeded per row, so rows are reproducible.

/// splitmix64: tiny, well-studied, and stable forever (a crate's generator may change).
pub struct Rng(u64);

impl Rng {
    pub fn for_row(seed: u64, table: u64, row: u64) -> Rng {
        let mut rng = Rng(seed ^ table.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ row.rotate_left(17));
        rng.next();
        rng
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    pub fn hex(&mut self, chars: usize) -> String {
        let mut out = String::with_capacity(chars);
        while out.len() < chars {
            out.push_str(&format!("{:016x}", self.next()));
        }
        out.truncate(chars);
        out
    }
}
