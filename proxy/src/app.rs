//! Everything a request handler needs, shared across connections.

use std::sync::Arc;

use crate::auth::Authenticator;
use crate::backend::Backend;
use crate::catalog::Catalog;
use crate::config::ProxyConfig;
use crate::login_guard::LoginGuard;
use crate::metrics::Metrics;
use crate::shell::ShellRegistry;

pub struct App {
    pub config: ProxyConfig,
    pub auth: Authenticator,
    pub backend: Arc<dyn Backend>,
    pub shells: ShellRegistry,
    pub catalog: &'static Catalog,
    pub metrics: Arc<Metrics>,
    /// Failed-login back-off per Basic user name.
    pub login_guard: LoginGuard,
}

impl App {
    pub fn new(
        config: ProxyConfig,
        users: Option<crate::users::Users>,
        backend: Arc<dyn Backend>,
    ) -> Arc<Self> {
        Self::with_metrics(config, users, backend, Arc::new(Metrics::new()))
    }

    /// As [`Self::new`], recording into `metrics` (shared with the backend and the
    /// `--metrics-listen` server).
    pub fn with_metrics(
        config: ProxyConfig,
        users: Option<crate::users::Users>,
        backend: Arc<dyn Backend>,
        metrics: Arc<Metrics>,
    ) -> Arc<Self> {
        let auth = Authenticator::new(
            config.identity_mode(),
            users,
            config.tenant.clone(),
            backend.clone(),
        );
        let shells = ShellRegistry::new(
            config.max_shells_per_user,
            config.max_shells_total,
            config.idle_timeout,
        );
        Arc::new(Self {
            config,
            auth,
            backend,
            shells,
            catalog: Catalog::builtin(),
            metrics,
            login_guard: LoginGuard::default(),
        })
    }
}
