//! The user repository contract: one function per rule, run against every implementation.

use super::*;

pub async fn a_created_user_can_be_read_back(repo: Arc<dyn UserRepository>) {
    let bob = user(Some("bob@hbtn.io"));
    repo.create(bob.clone()).await.expect("created");
    assert_eq!(repo.get(&bob.id).await.expect("read"), Some(bob.clone()));
    assert_eq!(
        repo.find_by_email("bob@hbtn.io").await.expect("read"),
        Some(bob)
    );
    assert_eq!(repo.get("nobody").await.expect("read"), None);
    assert_eq!(
        repo.find_by_email("nobody@hbtn.io").await.expect("read"),
        None
    );
    assert_eq!(repo.count().await.expect("count"), 1);
}

pub async fn email_lookup_is_exact_and_case_sensitive(repo: Arc<dyn UserRepository>) {
    let lower = user(Some("bob@hbtn.io"));
    repo.create(lower.clone()).await.expect("created");
    assert_eq!(repo.find_by_email("Bob@hbtn.io").await.expect("read"), None);
    assert_eq!(
        repo.find_by_email("bob@hbtn.io ").await.expect("read"),
        None
    );
    let upper = user(Some("Bob@hbtn.io"));
    repo.create(upper.clone())
        .await
        .expect("another case is another email");
    assert_eq!(
        repo.find_by_email("Bob@hbtn.io").await.expect("read"),
        Some(upper)
    );
}

pub async fn listing_keeps_insertion_order(repo: Arc<dyn UserRepository>) {
    let users: Vec<User> = (0..5)
        .map(|n| user(Some(&format!("user{}@hbtn.io", 5 - n))))
        .collect();
    for one in &users {
        repo.create(one.clone()).await.expect("created");
    }
    let listed = repo.list().await.expect("listed");
    assert_eq!(ids(&listed), ids(&users));
    assert_eq!(listed, users);
    assert_eq!(repo.count().await.expect("count"), 5);
}

pub async fn an_update_replaces_the_user_in_place(repo: Arc<dyn UserRepository>) {
    let (a, b, c) = (user(Some("a@x")), user(Some("b@x")), user(Some("c@x")));
    for one in [&a, &b, &c] {
        repo.create(one.clone()).await.expect("created");
    }
    let mut changed = b.clone();
    changed.first_name = Some("Bee".into());
    changed.email = Some("bee@x".into());
    changed.updated_at = ts("2021-01-01T00:00:00");
    repo.update(changed.clone()).await.expect("updated");

    let listed = repo.list().await.expect("listed");
    assert_eq!(ids(&listed), [&a.id, &b.id, &c.id]);
    assert_eq!(listed[1], changed);
    assert_eq!(repo.get(&b.id).await.expect("read"), Some(changed.clone()));
    assert_eq!(repo.find_by_email("b@x").await.expect("read"), None);
    assert_eq!(
        repo.find_by_email("bee@x").await.expect("read"),
        Some(changed.clone())
    );

    let mut renamed = changed.clone();
    renamed.last_name = Some("Keeps her email".into());
    repo.update(renamed.clone())
        .await
        .expect("keeping one's own email is no clash");
    assert_eq!(
        repo.find_by_email("bee@x").await.expect("read"),
        Some(renamed)
    );
    assert_eq!(repo.count().await.expect("count"), 3);
}

pub async fn updating_an_unknown_user_is_not_found(repo: Arc<dyn UserRepository>) {
    let ghost = user(Some("ghost@x"));
    let error = repo.update(ghost.clone()).await.expect_err("unknown id");
    assert!(matches!(error, StorageError::NotFound), "{error:?}");
    assert_eq!(repo.get(&ghost.id).await.expect("read"), None);
    assert_eq!(repo.find_by_email("ghost@x").await.expect("read"), None);
    assert_eq!(repo.count().await.expect("count"), 0);
}

pub async fn a_duplicate_email_is_refused_on_create(repo: Arc<dyn UserRepository>) {
    let first = user(Some("bob@hbtn.io"));
    repo.create(first.clone()).await.expect("created");
    let second = user(Some("bob@hbtn.io"));
    let error = repo.create(second.clone()).await.expect_err("taken email");
    assert!(matches!(error, StorageError::DuplicateEmail), "{error:?}");
    assert_eq!(repo.get(&second.id).await.expect("read"), None);
    assert_eq!(
        repo.find_by_email("bob@hbtn.io").await.expect("read"),
        Some(first)
    );
    assert_eq!(repo.count().await.expect("count"), 1);
}

pub async fn a_duplicate_email_is_refused_on_update(repo: Arc<dyn UserRepository>) {
    let (a, b) = (user(Some("a@x")), user(Some("b@x")));
    repo.create(a.clone()).await.expect("created");
    repo.create(b.clone()).await.expect("created");
    let mut stealing = b.clone();
    stealing.email = Some("a@x".into());
    stealing.first_name = Some("Thief".into());
    let error = repo.update(stealing).await.expect_err("taken email");
    assert!(matches!(error, StorageError::DuplicateEmail), "{error:?}");
    assert_eq!(repo.get(&b.id).await.expect("read"), Some(b.clone()));
    assert_eq!(repo.find_by_email("a@x").await.expect("read"), Some(a));
    assert_eq!(repo.find_by_email("b@x").await.expect("read"), Some(b));
}

pub async fn users_without_email_never_clash(repo: Arc<dyn UserRepository>) {
    let (a, b) = (user(None), user(None));
    repo.create(a.clone()).await.expect("created");
    repo.create(b.clone()).await.expect("no email, no clash");
    let mut renamed = b.clone();
    renamed.first_name = Some("Nameless".into());
    repo.update(renamed.clone()).await.expect("still no clash");
    let mut emptied = user(Some("c@x"));
    repo.create(emptied.clone()).await.expect("created");
    emptied.email = None;
    repo.update(emptied.clone())
        .await
        .expect("dropping an email is fine");
    assert_eq!(repo.find_by_email("c@x").await.expect("read"), None);
    assert_eq!(repo.list().await.expect("listed"), [a, renamed, emptied]);
}

pub async fn a_freed_email_can_be_taken_again(repo: Arc<dyn UserRepository>) {
    let (a, b) = (user(Some("a@x")), user(Some("b@x")));
    repo.create(a.clone()).await.expect("created");
    repo.create(b.clone()).await.expect("created");
    assert!(repo.delete(&a.id).await.expect("deleted"));
    let heir = user(Some("a@x"));
    repo.create(heir.clone())
        .await
        .expect("a deleted user's email is free");
    assert_eq!(repo.find_by_email("a@x").await.expect("read"), Some(heir));

    let mut moved = b.clone();
    moved.email = Some("moved@x".into());
    repo.update(moved).await.expect("updated");
    let taker = user(Some("b@x"));
    repo.create(taker.clone())
        .await
        .expect("an updated user's old email is free");
    assert_eq!(repo.find_by_email("b@x").await.expect("read"), Some(taker));
}

pub async fn delete_says_whether_the_user_existed(repo: Arc<dyn UserRepository>) {
    let (a, b, c) = (user(Some("a@x")), user(Some("b@x")), user(Some("c@x")));
    for one in [&a, &b, &c] {
        repo.create(one.clone()).await.expect("created");
    }
    assert!(repo.delete(&b.id).await.expect("deleted"));
    assert!(!repo.delete(&b.id).await.expect("second delete"));
    assert!(!repo.delete("nobody").await.expect("unknown delete"));
    assert_eq!(repo.get(&b.id).await.expect("read"), None);
    assert_eq!(repo.find_by_email("b@x").await.expect("read"), None);
    assert_eq!(repo.count().await.expect("count"), 2);
    assert_eq!(repo.list().await.expect("listed"), [a, c]);
}

pub async fn a_taken_id_is_refused_on_create(repo: Arc<dyn UserRepository>) {
    let original = user(Some("a@x"));
    repo.create(original.clone()).await.expect("created");
    let mut impostor = user(Some("other@x"));
    impostor.id = original.id.clone();
    let error = repo.create(impostor).await.expect_err("taken id");
    assert!(matches!(error, StorageError::DuplicateId), "{error:?}");
    assert_eq!(repo.get(&original.id).await.expect("read"), Some(original));
    assert_eq!(repo.find_by_email("other@x").await.expect("read"), None);
}

pub async fn many_concurrent_creates_all_land(repo: Arc<dyn UserRepository>) {
    let tasks: Vec<_> = (0..200)
        .map(|n| {
            let repo = Arc::clone(&repo);
            tokio::spawn(async move {
                let one = user(Some(&format!("user{n}@hbtn.io")));
                repo.create(one.clone()).await.map(|()| one)
            })
        })
        .collect();
    let mut created = Vec::new();
    for task in tasks {
        created.push(task.await.expect("task ran").expect("created"));
    }
    assert_eq!(repo.count().await.expect("count"), 200);
    for one in &created {
        let email = one.email.as_deref().expect("has an email");
        assert_eq!(
            repo.find_by_email(email).await.expect("read").as_ref(),
            Some(one)
        );
    }
}

pub async fn concurrent_creates_of_one_email_let_exactly_one_through(
    repo: Arc<dyn UserRepository>,
) {
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let repo = Arc::clone(&repo);
            tokio::spawn(async move { repo.create(user(Some("same@x"))).await })
        })
        .collect();
    let mut accepted = 0;
    for task in tasks {
        match task.await.expect("task ran") {
            Ok(()) => accepted += 1,
            Err(StorageError::DuplicateEmail) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(accepted, 1);
    assert_eq!(repo.count().await.expect("count"), 1);
}

pub async fn every_attribute_reads_back_exactly(repo: Arc<dyn UserRepository>) {
    let mut full = user(Some("\u{e9}l\u{e8}ve+tag@hbtn.io"));
    full.first_name = Some("Zo\u{eb} \"Z\"".into());
    full.last_name = Some(String::new());
    full.created_at = ts("0001-01-01T00:00:00");
    full.updated_at = ts("9999-12-31T23:59:59");
    full.extra = serde_json::from_str(
        r#"{"zeta": 1, "alpha": [true, null, 0.30000000000000004], "nested": {"b": "x", "a": {}}}"#,
    )
    .expect("an object");
    repo.create(full.clone()).await.expect("created");
    let read = repo.get(&full.id).await.expect("read").expect("stored");
    assert_eq!(read, full);
    let keys: Vec<&String> = read.extra.keys().collect();
    assert_eq!(keys, ["zeta", "alpha", "nested"], "key order kept");

    let mut bare = user(None);
    bare.password = None;
    repo.create(bare.clone()).await.expect("created");
    assert_eq!(repo.list().await.expect("listed"), [full, bare]);
}

pub async fn a_read_answered_at_once_agrees_with_the_async_one(repo: Arc<dyn UserRepository>) {
    let bob = user(Some("bob@hbtn.io"));
    repo.create(bob.clone()).await.expect("created");
    let mut renamed = bob.clone();
    renamed.first_name = Some("Robert".into());
    for step in ["created", "updated", "deleted"] {
        match step {
            "updated" => repo.update(renamed.clone()).await.expect("updated"),
            "deleted" => assert!(repo.delete(&bob.id).await.expect("deleted")),
            _ => {}
        }
        for id in [bob.id.as_str(), "nobody"] {
            // A store that must wait says so; one that answers gives what `get_shared` gives.
            if let ReadNow::Answered(now) = repo.get_shared_now(id) {
                assert_eq!(now, repo.get_shared(id).await.expect("read"), "{step} {id}");
            }
        }
    }
}
