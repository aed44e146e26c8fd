//! Test fixture for the resource sampler: touches MEGABYTES of memory (every
//! page written), prints `touched`, then sleeps until killed.
//! Usage: touch_memory MEGABYTES

fn main() {
    let mb: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let mut block = vec![0u8; mb << 20];
    // Write every page so it is resident, not just reserved.
    for i in (0..block.len()).step_by(4096) {
        block[i] = 1;
    }
    std::hint::black_box(&block);
    println!("touched");
    std::thread::sleep(std::time::Duration::from_secs(600));
}
