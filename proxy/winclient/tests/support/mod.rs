//! The emulator and an in-process proxy in front of it.

use std::sync::Arc;
use std::time::Duration;

use exomig_emulator::{EmulatorConfig, RunningEmulator, TEST_PASSWORD, TEST_USER};
use exomig_proxy::config::ProxyConfig;
use exomig_proxy::upstream_backend::UpstreamBackend;
use exomig_proxy::{App, Server};
use exomig_winclient::{WinClient, WinClientConfig};
use tokio::sync::oneshot;

pub struct Stack {
    _emulator: RunningEmulator,
    /// The address a legacy script would name, e.g. `http://127.0.0.1:1234/PowerShell-LiveID/`.
    pub connection_uri: String,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl Stack {
    pub async fn start() -> Self {
        Self::with_emulator(EmulatorConfig::for_tests()).await
    }

    pub async fn with_emulator(emulator: EmulatorConfig) -> Self {
        let emulator = exomig_emulator::spawn(emulator)
            .await
            .expect("emulator starts");
        let base = emulator.base_url();
        let mut config = ProxyConfig::new("127.0.0.1:0".parse().expect("addr"));
        config.upstream = Some(base.clone());
        config.authority = Some(base);
        config.tenant = Some("contoso.onmicrosoft.com".into());
        let backend = Arc::new(UpstreamBackend::new(&config).expect("backend"));
        let app = App::new(config, None, backend);
        let server = Server::bind(app).await.expect("bind");
        let addr = server.local_addr().expect("addr");
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(server.run(async {
            let _ = rx.await;
        }));
        Self {
            _emulator: emulator,
            connection_uri: format!("http://{addr}/PowerShell-LiveID/"),
            stop: Some(tx),
            server: Some(handle),
        }
    }

    pub fn config(&self) -> WinClientConfig {
        WinClientConfig::new(&self.connection_uri, TEST_USER, TEST_PASSWORD)
    }

    pub fn client(&self, config: WinClientConfig) -> WinClient {
        WinClient::new(config).expect("client")
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.server.take() {
            let _ = tokio::time::timeout(Duration::from_secs(15), h).await;
        }
    }
}
