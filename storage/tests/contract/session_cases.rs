//! The session repository contract: one function per rule, run against every implementation.

use super::*;

fn session(user_id: &str, created_at: &str) -> UserSession {
    UserSession::new(user_id, ts(created_at))
}

pub async fn a_session_is_found_by_its_session_id_only(repo: Arc<dyn SessionStore>) {
    let one = session("u1", "2020-01-01T00:00:00");
    repo.create(one.clone()).await.expect("created");
    assert_eq!(
        repo.get(&one.session_id).await.expect("read"),
        Some(one.clone())
    );
    assert_eq!(repo.get(&one.id).await.expect("read"), None);
    assert_eq!(repo.get("u1").await.expect("read"), None);
}

pub async fn delete_says_whether_the_session_existed(repo: Arc<dyn SessionStore>) {
    let (a, b) = (
        session("u1", "2020-01-01T00:00:00"),
        session("u1", "2020-01-01T00:00:00"),
    );
    repo.create(a.clone()).await.expect("created");
    repo.create(b.clone()).await.expect("created");
    assert!(repo.delete(&a.session_id).await.expect("deleted"));
    assert!(!repo.delete(&a.session_id).await.expect("second delete"));
    assert!(!repo
        .delete(&b.id)
        .await
        .expect("a record id is not a session id"));
    assert_eq!(repo.get(&a.session_id).await.expect("read"), None);
    assert_eq!(repo.get(&b.session_id).await.expect("read"), Some(b));
}

pub async fn delete_for_user_counts_and_spares_other_users(repo: Arc<dyn SessionStore>) {
    let mine: Vec<_> = (0..3)
        .map(|_| session("u1", "2020-01-01T00:00:00"))
        .collect();
    let theirs: Vec<_> = (0..2)
        .map(|_| session("u2", "2020-01-01T00:00:00"))
        .collect();
    for one in mine.iter().chain(&theirs) {
        repo.create(one.clone()).await.expect("created");
    }
    assert_eq!(repo.delete_for_user("u1").await.expect("deleted"), 3);
    assert_eq!(repo.delete_for_user("u1").await.expect("deleted"), 0);
    assert_eq!(repo.delete_for_user("nobody").await.expect("deleted"), 0);
    for one in &mine {
        assert_eq!(repo.get(&one.session_id).await.expect("read"), None);
    }
    for one in &theirs {
        assert_eq!(
            repo.get(&one.session_id).await.expect("read").as_ref(),
            Some(one)
        );
    }
}

pub async fn delete_created_before_uses_a_strict_cutoff(repo: Arc<dyn SessionStore>) {
    let old = session("u1", "2020-01-01T00:00:00");
    let at_cutoff = session("u1", "2020-01-01T00:00:10");
    let young = session("u2", "2020-01-01T00:00:20");
    for one in [&old, &at_cutoff, &young] {
        repo.create(one.clone()).await.expect("created");
    }
    let cutoff = ts("2020-01-01T00:00:10");
    assert_eq!(repo.delete_created_before(cutoff).await.expect("swept"), 1);
    assert_eq!(repo.delete_created_before(cutoff).await.expect("swept"), 0);
    assert_eq!(repo.get(&old.session_id).await.expect("read"), None);
    assert_eq!(
        repo.get(&at_cutoff.session_id).await.expect("read"),
        Some(at_cutoff)
    );
    assert_eq!(
        repo.get(&young.session_id).await.expect("read"),
        Some(young)
    );
}

pub async fn a_taken_session_id_or_record_id_is_refused(repo: Arc<dyn SessionStore>) {
    let original = session("u1", "2020-01-01T00:00:00");
    repo.create(original.clone()).await.expect("created");

    let mut same_secret = session("u2", "2020-01-01T00:00:00");
    same_secret.session_id = original.session_id.clone();
    let error = repo
        .create(same_secret)
        .await
        .expect_err("taken session id");
    assert!(matches!(error, StorageError::DuplicateId), "{error:?}");

    let mut same_record = session("u2", "2020-01-01T00:00:00");
    same_record.id = original.id.clone();
    let error = repo
        .create(same_record.clone())
        .await
        .expect_err("taken id");
    assert!(matches!(error, StorageError::DuplicateId), "{error:?}");

    assert_eq!(
        repo.get(&original.session_id).await.expect("read"),
        Some(original)
    );
    assert_eq!(repo.get(&same_record.session_id).await.expect("read"), None);
}

pub async fn many_concurrent_creates_all_land(repo: Arc<dyn SessionStore>) {
    let tasks: Vec<_> = (0..200)
        .map(|n| {
            let repo = Arc::clone(&repo);
            tokio::spawn(async move {
                let one = session(&format!("u{}", n % 7), "2020-01-01T00:00:00");
                repo.create(one.clone()).await.map(|()| one)
            })
        })
        .collect();
    let mut created = Vec::new();
    for task in tasks {
        created.push(task.await.expect("task ran").expect("created"));
    }
    for one in &created {
        assert_eq!(
            repo.get(&one.session_id).await.expect("read").as_ref(),
            Some(one)
        );
    }
    let mut removed = 0;
    for user in 0..7 {
        removed += repo
            .delete_for_user(&format!("u{user}"))
            .await
            .expect("deleted");
    }
    assert_eq!(removed, 200);
}

pub async fn list_for_user_gives_only_theirs_in_creation_order(repo: Arc<dyn SessionStore>) {
    let first = session("u1", "2020-01-01T00:00:05");
    let other = session("u2", "2020-01-01T00:00:00");
    let second = session("u1", "2020-01-01T00:00:00");
    for one in [&first, &other, &second] {
        repo.create(one.clone()).await.expect("created");
    }
    let listed = repo.list_for_user("u1").await.expect("listed");
    assert_eq!(listed, vec![first.clone(), second.clone()]);
    assert!(repo
        .list_for_user("nobody")
        .await
        .expect("listed")
        .is_empty());
    repo.delete(&first.session_id).await.expect("deleted");
    assert_eq!(
        repo.list_for_user("u1").await.expect("listed"),
        vec![second]
    );
}

pub async fn touch_moves_last_seen_forward_only(repo: Arc<dyn SessionStore>) {
    let mut one = session("u1", "2020-01-01T00:00:00");
    one.client_addr = Some("10.0.0.1".into());
    one.user_agent = Some("agent/1".into());
    repo.create(one.clone()).await.expect("created");
    assert!(repo
        .touch(&one.session_id, ts("2020-01-01T00:05:00"))
        .await
        .expect("touched"));
    assert!(repo
        .touch(&one.session_id, ts("2020-01-01T00:01:00"))
        .await
        .expect("touched"));
    let stored = repo
        .get(&one.session_id)
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(stored.last_seen_at, Some(ts("2020-01-01T00:05:00")));
    let mut expected = one.clone();
    expected.last_seen_at = Some(ts("2020-01-01T00:05:00"));
    assert_eq!(stored, expected, "nothing else changed");
    assert_eq!(
        repo.list_for_user("u1").await.expect("listed"),
        vec![expected]
    );
}

pub async fn touch_of_an_unknown_session_changes_nothing(repo: Arc<dyn SessionStore>) {
    let one = session("u1", "2020-01-01T00:00:00");
    repo.create(one.clone()).await.expect("created");
    assert!(!repo
        .touch("unknown", ts("2020-01-01T00:05:00"))
        .await
        .expect("answered"));
    assert!(!repo
        .touch(&one.id, ts("2020-01-01T00:05:00"))
        .await
        .expect("a record id is not a session id"));
    assert_eq!(repo.get(&one.session_id).await.expect("read"), Some(one));
}

pub async fn delete_last_seen_before_counts_from_last_seen_or_creation(
    repo: Arc<dyn SessionStore>,
) {
    let stale = session("u1", "2020-01-01T00:00:00");
    let fresh_creation = session("u1", "2020-01-01T00:10:00");
    let used = session("u2", "2020-01-01T00:00:00");
    for one in [&stale, &fresh_creation, &used] {
        repo.create(one.clone()).await.expect("created");
    }
    repo.touch(&used.session_id, ts("2020-01-01T00:10:00"))
        .await
        .expect("touched");
    let cutoff = ts("2020-01-01T00:10:00");
    assert_eq!(
        repo.delete_last_seen_before(cutoff).await.expect("swept"),
        1
    );
    assert_eq!(
        repo.delete_last_seen_before(cutoff).await.expect("swept"),
        0
    );
    assert_eq!(repo.get(&stale.session_id).await.expect("read"), None);
    assert!(repo
        .get(&fresh_creation.session_id)
        .await
        .expect("read")
        .is_some());
    assert!(repo.get(&used.session_id).await.expect("read").is_some());
}

pub async fn listing_gives_every_session_in_creation_order(repo: Arc<dyn SessionStore>) {
    assert!(repo.list().await.expect("listed").is_empty());
    let created: Vec<_> = ["00:00:09", "00:00:01", "00:00:05"]
        .iter()
        .enumerate()
        .map(|(n, time)| session(&format!("u{n}"), &format!("2020-01-01T{time}")))
        .collect();
    for one in &created {
        repo.create(one.clone()).await.expect("created");
    }
    repo.touch(&created[0].session_id, ts("2020-01-02T00:00:00"))
        .await
        .expect("touched");
    repo.delete(&created[1].session_id).await.expect("deleted");
    let listed = repo.list().await.expect("listed");
    let ids: Vec<&str> = listed.iter().map(|one| one.id.as_str()).collect();
    assert_eq!(ids, [created[0].id.as_str(), created[2].id.as_str()]);
    assert_eq!(listed[1], created[2]);
}

pub async fn every_attribute_reads_back_exactly(repo: Arc<dyn SessionStore>) {
    let mut full = session("u1", "0001-01-01T00:00:00");
    full.updated_at = ts("9999-12-31T23:59:59");
    full.last_seen_at = Some(ts("2024-02-29T12:05:09"));
    full.client_addr = Some("2001:db8::1".into());
    full.user_agent = Some("Mozilla/5.0 (\u{e9}t\u{e9}) \"quoted\"".into());
    full.extra = serde_json::from_str(r#"{"zeta": [1, 2.5, null], "alpha": {"b": 1, "a": 0.1}}"#)
        .expect("an object");
    repo.create(full.clone()).await.expect("created");
    assert_eq!(
        repo.get(&full.session_id).await.expect("read"),
        Some(full.clone())
    );
    let listed = repo.list().await.expect("listed");
    assert_eq!(listed, [full.clone()]);
    let keys: Vec<&String> = listed[0].extra.keys().collect();
    assert_eq!(keys, ["zeta", "alpha"], "key order kept");
}

pub async fn a_read_answered_at_once_agrees_with_the_async_one(repo: Arc<dyn SessionStore>) {
    let one = session("u1", "2020-01-01T00:00:00");
    repo.create(one.clone()).await.expect("created");
    for step in ["created", "touched", "deleted"] {
        match step {
            "touched" => assert!(repo
                .touch(&one.session_id, ts("2020-01-02T00:00:00"))
                .await
                .expect("touched")),
            "deleted" => assert!(repo.delete(&one.session_id).await.expect("deleted")),
            _ => {}
        }
        for session_id in [one.session_id.as_str(), one.id.as_str(), "nothing"] {
            // A store that must wait says so; one that answers gives what `get_shared` gives.
            if let ReadNow::Answered(now) = repo.get_shared_now(session_id) {
                assert_eq!(
                    now,
                    repo.get_shared(session_id).await.expect("read"),
                    "{step} {session_id}"
                );
            }
        }
    }
}
