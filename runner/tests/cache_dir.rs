//! The runner's compiled-code cache follows the rule every astc cache follows: with
//! `ASTC_NO_CACHE=1` there is no cache directory, even when `ASTC_CACHE_DIR` names one.
//!
//! The only test of this binary, as it changes the process environment.

#[test]
fn no_cache_overrides_the_cache_dir() {
    // SAFETY: no other thread of this test binary reads or writes the environment.
    unsafe {
        std::env::set_var("ASTC_CACHE_DIR", "/tmp/astc-cache-dir-test");
        std::env::set_var("ASTC_NO_CACHE", "1");
    }
    assert_eq!(astc_runner::default_cache_dir(), None);
    unsafe { std::env::remove_var("ASTC_NO_CACHE") };
    assert_eq!(
        astc_runner::default_cache_dir(),
        Some("/tmp/astc-cache-dir-test".into())
    );
}
