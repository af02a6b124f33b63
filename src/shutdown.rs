//! Graceful shutdown on Ctrl-C or SIGTERM, shared by `exomig proxy` and `exomig emulate`.

/// Resolves on Ctrl-C or SIGTERM. The handlers are registered by this call, not on first
/// poll: a signal that arrives right after the listening line (which scripts wait for) must
/// start a graceful shutdown, not kill the process with the default action.
pub fn signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let (term, int) = {
        use tokio::signal::unix::{signal, SignalKind};
        (
            signal(SignalKind::terminate()).ok(),
            signal(SignalKind::interrupt()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = wait(term) => {}
                () = wait(int) => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
