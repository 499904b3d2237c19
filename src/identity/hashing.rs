//! Password hashing off the async workers: a fixed set of threads, one per core, sharing argon2
//! working memory that outlives each job.
//!
//! One thread per core bounds the CPU and the memory (19 MiB per hash) that a burst of sign-ins can
//! take; further jobs wait in the queue. Tokio's blocking pool would hand each hash to whichever thread
//! is free, often a new one whose 19 MiB must be faulted in and zeroed first. Each job takes the most
//! recently used memory, so that when sign-ins come one at a time they all hash in the same 19 MiB,
//! still warm in the CPU's cache, whichever thread runs them.

use super::password::Argon2Memory;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, LazyLock, Mutex};

type Job = Box<dyn FnOnce(&mut Argon2Memory) + Send>;

pub struct HashingPool {
    jobs: flume::Sender<Job>,
}

/// Idle working memories, the most recently used last.
type Memories = Mutex<Vec<Argon2Memory>>;

static POOL: LazyLock<HashingPool> =
    LazyLock::new(|| HashingPool::start(std::thread::available_parallelism().map_or(2, |n| n.get())));

/// Runs `job` on the process's hashing pool; `None` if it could not run to the end (it panicked).
pub async fn run<T: Send + 'static>(job: impl FnOnce(&mut Argon2Memory) -> T + Send + 'static) -> Option<T> {
    POOL.run(job).await
}

impl HashingPool {
    pub fn start(threads: usize) -> Self {
        // A multi-consumer queue: a job wakes one idle thread, not every thread in turn.
        let (jobs, queue) = flume::unbounded::<Job>();
        let memories: Arc<Memories> = Arc::default();
        for n in 0..threads.max(1) {
            let (queue, memories) = (queue.clone(), Arc::clone(&memories));
            // A pool that cannot start any thread answers every job with None (see `run`).
            let _ = std::thread::Builder::new()
                .name(format!("password-hash-{n}"))
                .spawn(move || work(&queue, &memories));
        }
        Self { jobs }
    }

    pub async fn run<T: Send + 'static>(&self, job: impl FnOnce(&mut Argon2Memory) -> T + Send + 'static) -> Option<T> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |memory| {
            let _ = answer.send(job(memory));
        });
        self.jobs.send(job).ok()?;
        answered.await.ok()
    }
}

fn work(queue: &flume::Receiver<Job>, memories: &Memories) {
    while let Ok(job) = queue.recv() {
        let mut memory = memories
            .lock()
            .ok()
            .and_then(|mut idle| idle.pop())
            .unwrap_or_else(Argon2Memory::for_current_parameters);
        // A panicking job drops its answer channel (its caller sees None) and its memory; the thread
        // carries on.
        if catch_unwind(AssertUnwindSafe(|| job(&mut memory))).is_ok() {
            if let Ok(mut idle) = memories.lock() {
                idle.push(memory);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn answers_each_job_and_survives_a_panicking_one() {
        let pool = HashingPool::start(2);
        let answers = futures::future::join_all((0..8).map(|n| pool.run(move |_| n * 2))).await;
        assert_eq!(answers, (0..8).map(|n| Some(n * 2)).collect::<Vec<_>>());
        assert_eq!(pool.run(|_| -> u8 { panic!("job failed") }).await, None);
        // Both threads still take work after the panic.
        let after = futures::future::join_all((0..4).map(|n| pool.run(move |_| n))).await;
        assert_eq!(after, vec![Some(0), Some(1), Some(2), Some(3)]);
    }
}
