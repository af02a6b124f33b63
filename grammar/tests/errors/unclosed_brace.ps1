function f {
    if ($x) {
        'a'
