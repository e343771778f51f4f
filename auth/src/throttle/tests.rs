//! Tests of the login throttle: limits, the sliding window, resets, the key cap, disabled limits.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use domain::ManualClock;

use super::*;
use crate::test_support::clock;

fn build(options: ThrottleOptions) -> (LoginThrottle, Arc<ManualClock>) {
    let clock = clock();
    (LoginThrottle::new(&options, clock.clone()), clock)
}

fn limits(per_account: u32, per_address: u32, window_seconds: u64) -> ThrottleOptions {
    ThrottleOptions {
        max_failures_per_account: per_account,
        max_failures_per_address: per_address,
        window_seconds,
        ..ThrottleOptions::default()
    }
}

fn ip(last: u8) -> Option<IpAddr> {
    Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, last)))
}

fn fail(throttle: &LoginThrottle, account: &str, address: Option<IpAddr>, times: usize) {
    for _ in 0..times {
        throttle.record_failure(account, address);
    }
}

#[test]
fn the_defaults_are_five_per_account_and_fifty_per_address_in_five_minutes() {
    let options = ThrottleOptions::default();
    assert_eq!(options.max_failures_per_account, 5);
    assert_eq!(options.max_failures_per_address, 50);
    assert_eq!(options.window_seconds, 300);
    assert_eq!(options.max_tracked_keys, 100_000);
}

#[test]
fn the_attempt_after_the_limit_is_refused_until_the_oldest_failure_leaves_the_window() {
    let (throttle, clock) = build(limits(5, 0, 300));
    for second in 0..5 {
        assert_eq!(throttle.check("bob@hbtn.io", ip(1)), Ok(()), "{second}");
        throttle.record_failure("bob@hbtn.io", ip(1));
        clock.advance(10);
    }
    // Failures at 0, 10, 20, 30 and 40 s; now is 50 s: the first leaves the window at 300 s.
    assert_eq!(throttle.check("bob@hbtn.io", ip(1)), Err(RetryAfter(250)));
    clock.advance(249);
    assert_eq!(throttle.check("bob@hbtn.io", ip(1)), Err(RetryAfter(1)));
    clock.advance(1);
    assert_eq!(throttle.check("bob@hbtn.io", ip(1)), Ok(()));
    // One more failure refills the log: the next oldest (10 s) leaves at 310 s.
    throttle.record_failure("bob@hbtn.io", ip(1));
    assert_eq!(throttle.check("bob@hbtn.io", ip(1)), Err(RetryAfter(10)));
}

#[test]
fn a_block_ends_when_the_window_has_slid_past_every_failure() {
    let (throttle, clock) = build(limits(3, 0, 60));
    fail(&throttle, "bob@hbtn.io", None, 3);
    assert_eq!(throttle.check("bob@hbtn.io", None), Err(RetryAfter(60)));
    clock.advance(60);
    assert_eq!(throttle.check("bob@hbtn.io", None), Ok(()));
}

#[test]
fn refused_attempts_do_not_extend_the_block() {
    let (throttle, clock) = build(limits(2, 2, 60));
    fail(&throttle, "bob@hbtn.io", ip(1), 2);
    for _ in 0..10 {
        assert!(throttle.check("bob@hbtn.io", ip(1)).is_err());
        clock.advance(5);
    }
    clock.advance(10);
    assert_eq!(throttle.check("bob@hbtn.io", ip(1)), Ok(()));
}

#[test]
fn other_accounts_are_not_affected() {
    let (throttle, _clock) = build(limits(2, 0, 60));
    fail(&throttle, "bob@hbtn.io", ip(1), 2);
    assert!(throttle.check("bob@hbtn.io", ip(1)).is_err());
    assert_eq!(throttle.check("alice@hbtn.io", ip(1)), Ok(()));
    assert_eq!(throttle.check("BOB@hbtn.io", ip(1)), Ok(()));
}

#[test]
fn a_success_resets_the_account_but_not_the_address() {
    let (throttle, _clock) = build(limits(3, 4, 60));
    fail(&throttle, "bob@hbtn.io", ip(1), 3);
    assert!(throttle.check("bob@hbtn.io", ip(2)).is_err());
    throttle.record_success("bob@hbtn.io");
    assert_eq!(throttle.check("bob@hbtn.io", ip(2)), Ok(()));
    // The address still holds its three failures: one more blocks it.
    throttle.record_failure("alice@hbtn.io", ip(1));
    assert_eq!(throttle.check("carol@hbtn.io", ip(1)), Err(RetryAfter(60)));
}

#[test]
fn one_address_is_limited_across_many_accounts() {
    let (throttle, clock) = build(limits(5, 50, 300));
    for n in 0..50 {
        throttle.record_failure(&format!("user{n}@hbtn.io"), ip(7));
    }
    clock.advance(100);
    assert_eq!(throttle.check("fresh@hbtn.io", ip(7)), Err(RetryAfter(200)));
    assert_eq!(throttle.check("fresh@hbtn.io", ip(8)), Ok(()));
    // Without a known address only the account counts.
    assert_eq!(throttle.check("fresh@hbtn.io", None), Ok(()));
}

#[test]
fn the_longer_of_two_blocks_is_reported() {
    let (throttle, clock) = build(limits(2, 3, 100));
    throttle.record_failure("a@hbtn.io", ip(1));
    clock.advance(30);
    fail(&throttle, "b@hbtn.io", ip(1), 2);
    // The address is free at 100 s (70 from now), the account `b` at 130 s.
    assert_eq!(throttle.check("b@hbtn.io", ip(1)), Err(RetryAfter(100)));
    assert_eq!(throttle.check("a@hbtn.io", ip(1)), Err(RetryAfter(70)));
}

#[test]
fn ipv6_addresses_count_per_slash_64_and_mapped_ipv4_as_ipv4() {
    let (throttle, _clock) = build(limits(0, 2, 60));
    let host = |last: u16| {
        Some(IpAddr::V6(Ipv6Addr::new(
            0x2001, 0xdb8, 0, 1, 0, 0, 0, last,
        )))
    };
    throttle.record_failure("a@hbtn.io", host(1));
    throttle.record_failure("b@hbtn.io", host(2));
    assert!(throttle.check("c@hbtn.io", host(3)).is_err());
    let other_network = Some(IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 2, 0, 0, 0, 1)));
    assert_eq!(throttle.check("c@hbtn.io", other_network), Ok(()));

    let mapped = Some(IpAddr::V6(Ipv4Addr::new(192, 0, 2, 9).to_ipv6_mapped()));
    throttle.record_failure("a@hbtn.io", mapped);
    throttle.record_failure("b@hbtn.io", mapped);
    assert!(throttle.check("c@hbtn.io", ip(9)).is_err());
}

#[test]
fn the_number_of_tracked_keys_stays_under_the_cap() {
    let options = ThrottleOptions {
        max_tracked_keys: 100,
        ..limits(5, 5, 300)
    };
    let (throttle, clock) = build(options);
    fail(&throttle, "victim@hbtn.io", ip(0), 5);
    for n in 0..1_000u32 {
        clock.advance(1);
        let address = Some(IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + n)));
        throttle.record_failure(&format!("spray{n}@hbtn.io"), address);
        let (accounts, addresses) = throttle.tracked();
        assert!(
            accounts <= 100 && addresses <= 100,
            "{accounts} {addresses}"
        );
    }
    // The stalest keys went first: the most recent sprayed account is still counted.
    let (accounts, _) = throttle.tracked();
    assert!(accounts >= 90, "{accounts}");
    throttle.record_failure("spray999@hbtn.io", None);
    fail(&throttle, "spray999@hbtn.io", None, 3);
    assert!(throttle.check("spray999@hbtn.io", None).is_err());
}

#[test]
fn a_full_table_first_drops_keys_whose_failures_left_the_window() {
    let options = ThrottleOptions {
        max_tracked_keys: 3,
        ..limits(2, 0, 60)
    };
    let (throttle, clock) = build(options);
    throttle.record_failure("old1@hbtn.io", None);
    throttle.record_failure("old2@hbtn.io", None);
    clock.advance(30);
    fail(&throttle, "recent@hbtn.io", None, 2);
    clock.advance(40);
    throttle.record_failure("new@hbtn.io", None);
    assert_eq!(throttle.tracked().0, 2);
    assert_eq!(throttle.check("recent@hbtn.io", None), Err(RetryAfter(20)));
}

#[test]
fn a_burst_within_one_second_does_not_empty_a_full_table() {
    let options = ThrottleOptions {
        max_tracked_keys: 50,
        ..limits(1, 0, 60)
    };
    let (throttle, _clock) = build(options);
    for n in 0..51 {
        throttle.record_failure(&format!("u{n}@hbtn.io"), None);
    }
    // A tenth of the table (5 keys) made room for the 51st.
    assert_eq!(throttle.tracked().0, 46);
}

#[test]
fn a_zero_limit_disables_its_dimension() {
    let (throttle, _clock) = build(limits(0, 2, 60));
    fail(&throttle, "bob@hbtn.io", None, 100);
    assert_eq!(throttle.check("bob@hbtn.io", None), Ok(()));
    fail(&throttle, "bob@hbtn.io", ip(1), 2);
    assert!(throttle.check("bob@hbtn.io", ip(1)).is_err());

    let (throttle, _clock) = build(limits(2, 0, 60));
    for n in 0..100 {
        throttle.record_failure(&format!("u{n}@hbtn.io"), ip(1));
    }
    assert_eq!(throttle.check("fresh@hbtn.io", ip(1)), Ok(()));
    assert_eq!(throttle.tracked().1, 0, "no address is tracked");
}

#[test]
fn disabled_options_refuse_nothing_and_track_nothing() {
    for options in [ThrottleOptions::disabled(), limits(5, 50, 0)] {
        let (throttle, _clock) = build(options);
        fail(&throttle, "bob@hbtn.io", ip(1), 100);
        assert_eq!(throttle.check("bob@hbtn.io", ip(1)), Ok(()));
        assert_eq!(throttle.tracked(), (0, 0));
    }
}

#[test]
fn a_clock_that_goes_back_never_makes_a_block_longer_than_the_window() {
    let (throttle, clock) = build(limits(1, 0, 60));
    clock.advance(1_000);
    throttle.record_failure("bob@hbtn.io", None);
    let earlier = LoginThrottle {
        clock: Arc::new(ManualClock::new(crate::test_support::start())),
        ..throttle
    };
    assert_eq!(earlier.check("bob@hbtn.io", None), Err(RetryAfter(60)));
}

#[test]
fn admitted_attempts_count_at_once_so_parallel_guesses_are_limited() {
    let (throttle, _clock) = build(limits(3, 0, 60));
    let admitted: Vec<Admission> = (0..3)
        .map(|_| {
            throttle
                .admit("bob@hbtn.io", ip(1))
                .expect("under the limit")
        })
        .collect();
    // Three attempts are in flight and none has failed yet: a fourth must wait all the same.
    assert_eq!(
        throttle.admit("bob@hbtn.io", ip(1)).map(|_| ()),
        Err(RetryAfter(60))
    );
    // One of them was not a failure after all.
    let mut admitted = admitted.into_iter();
    throttle.withdraw(admitted.next().expect("three admissions"));
    assert!(throttle.admit("bob@hbtn.io", ip(1)).is_ok());
}

#[test]
fn a_refusal_by_the_address_takes_back_the_accounts_count() {
    let (throttle, _clock) = build(limits(2, 2, 60));
    fail(&throttle, "a@hbtn.io", ip(1), 1);
    fail(&throttle, "b@hbtn.io", ip(1), 1);
    assert!(throttle.admit("carol@hbtn.io", ip(1)).is_err());
    assert!(throttle.admit("carol@hbtn.io", ip(2)).is_ok());
    assert!(throttle.admit("carol@hbtn.io", ip(3)).is_ok());
    assert!(throttle.admit("carol@hbtn.io", ip(4)).is_err());
}

#[test]
fn withdrawing_every_admission_leaves_nothing_tracked() {
    let (throttle, _clock) = build(limits(5, 50, 60));
    let admission = throttle.admit("bob@hbtn.io", ip(1)).expect("allowed");
    assert_eq!(throttle.tracked(), (1, 1));
    throttle.withdraw(admission);
    assert_eq!(throttle.tracked(), (0, 0));
}
