//! The catalogue against the emulator's own list of cmdlets.

use exomig_proxy::catalog::Catalog;

#[test]
fn every_cmdlet_the_emulator_serves_is_in_the_catalogue() {
    let catalog = Catalog::builtin();
    let missing: Vec<&str> = exomig_emulator::cmdlet_names()
        .filter(|name| catalog.get(name).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "not in proxy/catalog/cmdlets.json: {missing:?}"
    );
    assert!(catalog.len() >= exomig_emulator::cmdlet_names().count() + 100);
}
