//! Graceful stop: one small type every task holds and selects on (the mini-redis pattern).

use tokio::sync::watch;

/// Sends the stop signal to every [`Shutdown`] made from it.
#[derive(Clone, Debug)]
pub struct ShutdownTrigger(watch::Sender<bool>);

/// Receives the stop signal.
#[derive(Clone, Debug)]
pub struct Shutdown {
    /// Flips to true once.
    rx: watch::Receiver<bool>,
}

/// A trigger and its first receiver.
pub fn channel() -> (ShutdownTrigger, Shutdown) {
    let (tx, rx) = watch::channel(false);
    (ShutdownTrigger(tx), Shutdown { rx })
}

impl ShutdownTrigger {
    /// Ask every holder to stop.
    pub fn trigger(&self) {
        let _ = self.0.send(true);
    }

    /// A new receiver.
    pub fn subscribe(&self) -> Shutdown {
        Shutdown {
            rx: self.0.subscribe(),
        }
    }
}

impl Shutdown {
    /// Whether the stop signal was sent.
    pub fn is_shutdown(&self) -> bool {
        *self.rx.borrow()
    }

    /// Wait for the stop signal (returns at once if it was already sent).
    pub async fn recv(&mut self) {
        let _ = self.rx.wait_for(|stop| *stop).await;
    }
}

/// Resolve on SIGTERM or Ctrl-C.
pub async fn signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("install SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
