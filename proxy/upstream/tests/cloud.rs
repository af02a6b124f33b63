//! Per-cloud endpoints (exo-rest.md §2.2) and the contract's URL rules (interfaces.md §2).

use exomig_upstream::{Endpoints, Environment};

#[test]
fn every_environment_parses_case_insensitively_and_round_trips() {
    for env in Environment::ALL {
        assert_eq!(env.name().parse::<Environment>(), Ok(env));
        assert_eq!(env.name().to_lowercase().parse::<Environment>(), Ok(env));
        assert_eq!(env.to_string(), env.name());
    }
    assert!("O365Mars".parse::<Environment>().is_err());
}

#[test]
fn hosts_authorities_and_scopes_per_cloud() {
    let table = [
        (
            Environment::O365Default,
            "https://outlook.office365.com",
            "https://login.microsoftonline.com",
        ),
        (
            Environment::O365USGovGCCHigh,
            "https://outlook.office365.us",
            "https://login.microsoftonline.us",
        ),
        (
            Environment::O365USGovDoD,
            "https://outlook-dod.office365.us",
            "https://login.microsoftonline.us",
        ),
        (
            Environment::O365China,
            "https://partner.outlook.cn",
            "https://login.chinacloudapi.cn",
        ),
        (
            Environment::O365GermanyCloud,
            "https://outlook.office.de",
            "https://login.microsoftonline.de",
        ),
    ];
    for (env, base, authority) in table {
        assert_eq!(env.rest_base(), base);
        assert_eq!(env.authority(), authority);
        assert_eq!(env.scope(), format!("{base}/.default"));
    }
}

#[test]
fn scope_follows_the_resource_not_the_upstream() {
    let ep = Endpoints::for_environment(Environment::O365Default)
        .with_upstream("http://127.0.0.1:9999")
        .with_authority("http://127.0.0.1:9999/");
    assert_eq!(ep.scope(), "https://outlook.office365.com/.default");
    assert_eq!(
        ep.token_url("contoso.onmicrosoft.com"),
        "http://127.0.0.1:9999/contoso.onmicrosoft.com/oauth2/v2.0/token"
    );
    assert_eq!(
        ep.invoke_url("t"),
        "http://127.0.0.1:9999/adminapi/beta/t/InvokeCommand"
    );
    assert_eq!(
        ep.with_resource("https://example.test/").scope(),
        "https://example.test/.default"
    );
}

#[test]
fn secret_files_lose_exactly_one_trailing_newline() {
    use exomig_upstream::strip_one_newline;
    assert_eq!(strip_one_newline("s3cret\n"), "s3cret");
    assert_eq!(strip_one_newline("s3cret\r\n"), "s3cret");
    assert_eq!(strip_one_newline("s3cret\n\n"), "s3cret\n");
    assert_eq!(strip_one_newline(" s3cret "), " s3cret ");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("secret");
    std::fs::write(&path, "abc\r\n").expect("write");
    let secret = exomig_upstream::read_secret_file(&path).expect("read");
    use secrecy::ExposeSecret;
    assert_eq!(secret.expose_secret(), "abc");
}
