//! A TCP proxy that delivers every chunk a fixed time later in each direction: a network link
//! with that latency and no bandwidth limit, to measure what round trips cost away from
//! localhost. Threads and blocking sockets: their sleeps are precise to tens of microseconds,
//! where an async runtime's timer rounds up to whole milliseconds.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// Listens on a free local port and forwards to `upstream` (`host:port`); returns the port.
pub fn start(upstream: &str, one_way: Duration) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("an address").port();
    let upstream = upstream.to_string();
    thread::spawn(move || {
        for client in listener.incoming().map_while(Result::ok) {
            let server = TcpStream::connect(&upstream).expect("the upstream server");
            // Nagle on the proxy's own sockets would add delays the link does not have.
            let _ = (client.set_nodelay(true), server.set_nodelay(true));
            let (client_in, server_in) = (clone(&client), clone(&server));
            thread::spawn(move || forward(client_in, server, one_way));
            thread::spawn(move || forward(server_in, client, one_way));
        }
    });
    port
}

fn clone(stream: &TcpStream) -> TcpStream {
    stream.try_clone().expect("a second handle on the socket")
}

/// Reads as fast as the sender writes and writes each chunk once `delay` has passed since it
/// arrived, so latency is added once per message, not once per chunk of a long answer.
fn forward(mut from: TcpStream, mut to: TcpStream, delay: Duration) {
    let (chunks, due) = mpsc::channel::<(Instant, Vec<u8>)>();
    let writer = thread::spawn(move || {
        for (at, bytes) in due {
            thread::sleep(at.saturating_duration_since(Instant::now()));
            if to.write_all(&bytes).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
    let mut buffer = vec![0u8; 64 * 1024];
    while let Ok(n @ 1..) = from.read(&mut buffer) {
        if chunks
            .send((Instant::now() + delay, buffer[..n].to_vec()))
            .is_err()
        {
            break;
        }
    }
    drop(chunks);
    let _ = writer.join();
}
