//! No credential-carrying type prints its secret in `Debug`.

mod common;

use std::sync::Arc;

use exomig_upstream::token::{
    CertificateCredential, ClientCertificate, ClientSecret, ManagedIdentity,
    ManagedIdentityEndpoint, PassThrough, Password,
};
use exomig_upstream::{AccessToken, CallContext, TokenCache};
use secrecy::SecretString;

const SECRET: &str = "TOP-SECRET-VALUE-42";

fn s() -> SecretString {
    SecretString::from(SECRET.to_owned())
}

#[test]
fn debug_output_never_contains_the_secret() {
    let (cert_pem, key_pem) = common::test_certificate();
    let credential = Arc::new(
        CertificateCredential::from_pem(cert_pem.as_bytes(), key_pem.as_bytes()).expect("cred"),
    );
    let key_marker = key_pem.lines().nth(1).expect("key body line").to_owned();
    let source: Arc<dyn exomig_upstream::TokenSource> = Arc::new(ClientSecret::new(
        "app",
        s(),
        "t",
        "http://127.0.0.1/t",
        "scope",
    ));
    let printed = vec![
        format!(
            "{:?}",
            ClientSecret::new("app", s(), "t", "http://127.0.0.1/t", "scope")
        ),
        format!(
            "{:?}",
            Password::new("user", s(), "t", "http://127.0.0.1/t", "scope").with_client_secret(s())
        ),
        format!("{:?}", PassThrough::new(&s())),
        format!(
            "{:?}",
            PassThrough::new(&SecretString::from(format!("Bearer {SECRET}")))
        ),
        format!(
            "{:?}",
            ManagedIdentity::new(
                ManagedIdentityEndpoint::AppService {
                    url: "http://127.0.0.1/msi".into(),
                    header: s()
                },
                "r",
                "t"
            )
        ),
        format!("{:?}", AccessToken::new(s(), None)),
        format!("{credential:?}"),
        format!(
            "{:?}",
            ClientCertificate::new(
                "app",
                credential.clone(),
                "t",
                "http://127.0.0.1/t",
                "scope"
            )
        ),
        format!("{:?}", CallContext::new("t", source)),
        format!("{:?}", TokenCache::default()),
    ];
    for text in printed {
        assert!(!text.contains(SECRET), "secret leaked: {text}");
        assert!(!text.contains(&key_marker), "key leaked: {text}");
    }
}
