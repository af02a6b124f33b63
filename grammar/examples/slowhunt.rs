//! Development aid: random nested openers, reporting the slowest inputs (backtracking hunt).
fn main() {
    let pieces = [
        "(",
        "{",
        "[",
        "@(",
        "$(",
        "@{",
        "\"",
        "'",
        "if (",
        "foreach ($a in ",
        "function f {",
        "param(",
        "[A(",
        "& {",
        "switch ($x) {",
        "class C {",
        "$a.b(",
        "$a[",
        "-not ",
        "1 + ",
        "a = ",
        "x ",
        ",",
        "[int]",
        "try {",
        "} catch {",
        "-f ",
        "@'\n",
        "\n",
        ";",
        "|",
        "$x = ",
        "[ValidateScript({",
        "do {",
    ];
    let mut seed: u64 = 0x9E3779B97F4A7C15;
    let mut worst: Vec<(f64, String)> = Vec::new();
    for _ in 0..3000 {
        let mut text = String::new();
        for _ in 0..24 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            text.push_str(pieces[(seed % pieces.len() as u64) as usize]);
        }
        let start = std::time::Instant::now();
        let _ = exomig_grammar::parse(&text);
        let ms = start.elapsed().as_secs_f64() * 1e3;
        worst.push((ms, text));
        worst.sort_by(|a, b| b.0.total_cmp(&a.0));
        worst.truncate(5);
    }
    for (ms, text) in worst {
        println!("{ms:8.2} ms {text:?}");
    }
}
