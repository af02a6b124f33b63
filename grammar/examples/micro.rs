//! Development aid: throughput of repeated small snippets.
fn main() {
    let snippets = [
        "Get-Date\n",
        "Get-Mailbox -Identity $x -ResultSize Unlimited\n",
        "$x = 1\n",
        "$x = $a.b.c($d, 'e')\n",
        "# just a comment line here\n",
        "if ($a -eq 1) { $b }\n",
        "function f { param($a) $a }\n",
        "$h = @{ a = 1; b = 'x' }\n",
        "\"text $x and $($y.z)\"\n",
        "    $x = 1\n",
        "{ { { { 1 } } } }\n",
        "((((1))))\n",
        "[int]$x = [math]::Floor($y)\n",
    ];
    for s in snippets {
        let text = s.repeat(2000);
        let start = std::time::Instant::now();
        let p = exomig_grammar::parse(&text);
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{:8.2} MB/s  errors {}  {:?}",
            text.len() as f64 / secs / 1e6,
            p.errors.len(),
            s
        );
    }
}
