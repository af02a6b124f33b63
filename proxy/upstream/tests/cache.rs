//! Token cache: reuse, early refresh, single flight, backoff, stale-but-valid, claims.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{outage, ScriptedSource};
use exomig_upstream::{Backoff, RefreshPolicy, TokenCache, TokenError, TokenSource};

fn fast_policy(max_attempts: u32) -> RefreshPolicy {
    RefreshPolicy {
        refresh_before: Duration::from_secs(120),
        max_attempts,
        backoff: Backoff::try_new(Duration::from_millis(1), Duration::from_millis(5), 0.5)
            .expect("valid"),
    }
}

fn ok(token: &str, secs: u64) -> Result<(String, Option<Duration>), TokenError> {
    Ok((token.to_owned(), Some(Duration::from_secs(secs))))
}

#[tokio::test]
async fn a_fresh_token_is_reused() {
    let cache = TokenCache::new(fast_policy(1));
    let source = ScriptedSource::new(vec![ok("a", 3600), ok("b", 3600)]);
    assert_eq!(cache.token(&source).await.expect("first").expose(), "a");
    assert_eq!(cache.token(&source).await.expect("second").expose(), "a");
    assert_eq!(source.fetches(), 1);
    assert_eq!(cache.stats().refreshes_ok, 1);
}

#[tokio::test]
async fn a_token_with_less_than_the_refresh_window_left_is_replaced() {
    let cache = TokenCache::new(fast_policy(1));
    // 100 s left is inside the 120 s window: every call refreshes.
    let source = ScriptedSource::new(vec![ok("a", 100), ok("b", 100), ok("c", 3600)]);
    assert_eq!(cache.token(&source).await.expect("1").expose(), "a");
    assert_eq!(cache.token(&source).await.expect("2").expose(), "b");
    assert_eq!(cache.token(&source).await.expect("3").expose(), "c");
    assert_eq!(cache.token(&source).await.expect("4").expose(), "c");
    assert_eq!(source.fetches(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_hundred_concurrent_callers_share_one_fetch() {
    let cache = Arc::new(TokenCache::new(fast_policy(1)));
    let mut scripted = ScriptedSource::new(vec![ok("shared", 3600), ok("second", 3600)]);
    scripted.delay = Duration::from_millis(50);
    let source = Arc::new(scripted);
    let barrier = Arc::new(tokio::sync::Barrier::new(100));
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let (cache, source, barrier) = (cache.clone(), source.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                cache.token(source.as_ref()).await
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.expect("join").expect("token").expose(), "shared");
    }
    assert_eq!(source.fetches(), 1);
}

#[tokio::test]
async fn a_transient_failure_is_retried_with_backoff() {
    let observed = Arc::new(AtomicUsize::new(0));
    let seen = observed.clone();
    let cache = TokenCache::new(fast_policy(4)).with_observer(Arc::new(move |_, _| {
        seen.fetch_add(1, Ordering::SeqCst);
    }));
    let source = ScriptedSource::new(vec![Err(outage()), Err(outage()), ok("third time", 3600)]);
    assert_eq!(
        cache.token(&source).await.expect("token").expose(),
        "third time"
    );
    assert_eq!(source.fetches(), 3);
    let stats = cache.stats();
    assert_eq!((stats.refreshes_ok, stats.refreshes_failed), (1, 2));
    assert_eq!(observed.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn attempts_are_bounded() {
    let cache = TokenCache::new(fast_policy(3));
    let source = ScriptedSource::new(vec![Err(outage())]);
    assert_eq!(cache.token(&source).await.expect_err("outage"), outage());
    assert_eq!(source.fetches(), 3);
    assert!(!cache.ready(&source).await);
}

#[tokio::test]
async fn a_definite_rejection_is_not_retried() {
    let cache = TokenCache::new(fast_policy(5));
    let rejected = TokenError::Rejected {
        status: Some(401),
        error: "invalid_client".into(),
        description: String::new(),
    };
    let source = ScriptedSource::new(vec![Err(rejected.clone())]);
    assert_eq!(cache.token(&source).await.expect_err("rejected"), rejected);
    assert_eq!(source.fetches(), 1);
}

#[tokio::test]
async fn the_old_token_is_served_while_valid_if_a_refresh_fails() {
    let cache = TokenCache::new(fast_policy(2));
    let source = ScriptedSource::new(vec![ok("old", 60), Err(outage())]);
    assert_eq!(cache.token(&source).await.expect("first").expose(), "old");
    assert_eq!(
        cache
            .token(&source)
            .await
            .expect("stale but valid")
            .expose(),
        "old"
    );
    assert_eq!(source.fetches(), 3);
    assert_eq!(cache.stats().refreshes_failed, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_queued_behind_a_failed_fetch_share_its_error() {
    let cache = Arc::new(TokenCache::new(fast_policy(1)));
    let mut scripted = ScriptedSource::new(vec![Err(outage())]);
    scripted.delay = Duration::from_millis(100);
    let source = Arc::new(scripted);
    let barrier = Arc::new(tokio::sync::Barrier::new(20));
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (cache, source, barrier) = (cache.clone(), source.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                cache.token(source.as_ref()).await
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.expect("join").expect_err("outage"), outage());
    }
    assert_eq!(source.fetches(), 1, "no fetch storm after a failure");
}

#[tokio::test]
async fn claims_force_a_new_token_and_unsupported_sources_say_so() {
    let cache = TokenCache::new(fast_policy(1));
    let source = ScriptedSource::new(vec![ok("plain", 3600), ok("with-claims", 3600)]);
    cache.token(&source).await.expect("plain");
    let token = cache
        .token_with_claims(&source, "eyJjIjoxfQ")
        .await
        .expect("claims token");
    assert_eq!(token.expose(), "with-claims");
    assert_eq!(
        cache.token(&source).await.expect("cached").expose(),
        "with-claims"
    );
    assert_eq!(
        *source.claims_seen.lock().expect("lock"),
        vec![None, Some("eyJjIjoxfQ".to_owned())]
    );

    let pass =
        exomig_upstream::token::PassThrough::new(&secrecy::SecretString::from("x".to_owned()));
    assert_eq!(
        cache
            .token_with_claims(&pass, "c")
            .await
            .expect_err("unsupported"),
        TokenError::ClaimsUnsupported
    );
}

#[tokio::test]
async fn invalidate_drops_only_the_rejected_token() {
    let cache = TokenCache::new(fast_policy(1));
    let source = ScriptedSource::new(vec![ok("a", 3600), ok("b", 3600)]);
    let a = cache.token(&source).await.expect("a");
    cache
        .invalidate(
            &source,
            &exomig_upstream::AccessToken::new(
                secrecy::SecretString::from("other".to_owned()),
                None,
            ),
        )
        .await;
    assert_eq!(cache.token(&source).await.expect("still a").expose(), "a");
    cache.invalidate(&source, &a).await;
    assert_eq!(cache.token(&source).await.expect("b").expose(), "b");
}

#[tokio::test]
async fn different_keys_have_different_entries_and_pass_through_is_not_cached() {
    let cache = TokenCache::new(fast_policy(1));
    let mut one = ScriptedSource::fixed("one");
    one.key = "one".into();
    let mut two = ScriptedSource::fixed("two");
    two.key = "two".into();
    assert_eq!(cache.token(&one).await.expect("one").expose(), "one");
    assert_eq!(cache.token(&two).await.expect("two").expose(), "two");
    assert!(cache.ready(&one).await);

    let pass = exomig_upstream::token::PassThrough::new(&secrecy::SecretString::from(
        "Bearer abc".to_owned(),
    ));
    assert!(!pass.cacheable());
    assert_eq!(cache.token(&pass).await.expect("pass").expose(), "abc");
    assert_eq!(
        cache.stats().refreshes_ok,
        2,
        "pass-through is not a refresh"
    );
}

#[tokio::test]
async fn entries_without_a_valid_token_are_pruned() {
    let cache = TokenCache::new(fast_policy(1));
    let mut kept = ScriptedSource::fixed("kept");
    kept.key = "kept".into();
    cache.token(&kept).await.expect("kept");
    let rejected = TokenError::Rejected {
        status: Some(400),
        error: "invalid_grant".into(),
        description: String::new(),
    };
    for n in 0..1500 {
        let mut guess = ScriptedSource::new(vec![Err(rejected.clone())]);
        guess.key = format!("guess-{n}");
        cache.token(&guess).await.expect_err("wrong password");
    }
    assert!(cache.len() <= 1024, "map stays bounded: {}", cache.len());
    assert_eq!(
        cache.token(&kept).await.expect("still cached").expose(),
        "kept"
    );
    assert_eq!(kept.fetches(), 1, "a valid token survives pruning");
}

#[tokio::test]
async fn ready_within_gives_up_on_a_slow_identity_provider() {
    let cache = TokenCache::new(fast_policy(1));
    let mut slow = ScriptedSource::fixed("late");
    slow.delay = Duration::from_secs(5);
    assert!(!cache.ready_within(&slow, Duration::from_millis(50)).await);
    let quick = ScriptedSource::fixed("now");
    assert!(cache.ready_within(&quick, Duration::from_secs(5)).await);
}
