//! A TCP proxy in front of a real engine that turns into a fault on a chosen request: the
//! engine is killed (SIGKILL) and the proxy refuses connections from then on, or the
//! engine stops answering while connections stay open. Loopback only.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// SIGKILL the engine's dockerd (its pid), then refuse every connection.
    Kill(u32),
    /// Accept and hold connections, never answer.
    Hang,
}

type Trigger = Box<dyn Fn(&[u8]) -> bool + Send + Sync>;

#[derive(Default)]
struct State {
    armed: Mutex<Option<(Trigger, Fault)>>,
    tripped: AtomicBool,
    dead: AtomicBool,
    hung: AtomicBool,
    streams: Mutex<Vec<TcpStream>>,
}

pub struct Proxy {
    address: String,
    state: Arc<State>,
}

impl Proxy {
    /// Listens on 127.0.0.1 (a port of its own) and forwards to `upstream`.
    pub fn start(upstream: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let state = Arc::new(State::default());
        let upstream = upstream.to_string();
        let accepting = Arc::clone(&state);
        thread::spawn(move || accept(listener, &upstream, accepting));
        Self { address, state }
    }

    /// `127.0.0.1:PORT`, for groups.yaml.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// From now on, the first request whose bytes `trigger` matches turns into `fault`
    /// (the request itself is passed on first).
    pub fn arm(&self, trigger: impl Fn(&[u8]) -> bool + Send + Sync + 'static, fault: Fault) {
        *self.state.armed.lock().unwrap() = Some((Box::new(trigger), fault));
    }

    pub fn tripped(&self) -> bool {
        self.state.tripped.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.state.dead.store(true, Ordering::SeqCst);
        close_all(&self.state);
    }
}

/// A request line such as `PUT /v1.47/containers/x/archive`: method and a part of its path.
pub fn request(method: &'static str, path_part: &'static str) -> impl Fn(&[u8]) -> bool {
    move |bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes);
        text.lines()
            .any(|line| line.starts_with(&format!("{method} /")) && line.contains(path_part))
    }
}

fn accept(listener: TcpListener, upstream: &str, state: Arc<State>) {
    // Dropping the listener when the engine is dead makes connecting fail as it would.
    while !state.dead.load(Ordering::SeqCst) {
        let client = match listener.accept() {
            Ok((client, _)) => client,
            Err(_) => {
                thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        client.set_nonblocking(false).unwrap();
        let Ok(server) = TcpStream::connect(upstream) else {
            continue;
        };
        {
            let mut streams = state.streams.lock().unwrap();
            streams.push(client.try_clone().unwrap());
            streams.push(server.try_clone().unwrap());
        }
        let (up_from, up_to) = (client.try_clone().unwrap(), server.try_clone().unwrap());
        let upward = Arc::clone(&state);
        thread::spawn(move || pump(up_from, up_to, &upward, true));
        let downward = Arc::clone(&state);
        thread::spawn(move || pump(server, client, &downward, false));
    }
}

fn pump(mut from: TcpStream, mut to: TcpStream, state: &State, upward: bool) {
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(read) => read,
        };
        let chunk = &buffer[..read];
        if state.hung.load(Ordering::SeqCst) {
            // Read and dropped: the connection stays open and nothing comes back.
            continue;
        }
        let fault = if upward {
            tripped_by(state, chunk)
        } else {
            None
        };
        if to.write_all(chunk).is_err() {
            break;
        }
        match fault {
            Some(Fault::Kill(pid)) => {
                let _ = std::process::Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
                state.dead.store(true, Ordering::SeqCst);
                close_all(state);
                break;
            }
            Some(Fault::Hang) => state.hung.store(true, Ordering::SeqCst),
            None => {}
        }
    }
    if !state.hung.load(Ordering::SeqCst) {
        let _ = to.shutdown(Shutdown::Write);
    }
}

fn tripped_by(state: &State, chunk: &[u8]) -> Option<Fault> {
    let mut armed = state.armed.lock().unwrap();
    let fires = armed.as_ref().is_some_and(|(trigger, _)| trigger(chunk));
    if !fires {
        return None;
    }
    state.tripped.store(true, Ordering::SeqCst);
    armed.take().map(|(_, fault)| fault)
}

fn close_all(state: &State) {
    for stream in state.streams.lock().unwrap().drain(..) {
        let _ = stream.shutdown(Shutdown::Both);
    }
}
