//! In-process benchmarks of the library's hot paths (`cargo bench`; `cargo test` does not
//! run them): parsing the real certifi bundle, judging one intermediate against it as
//! `check` does, rendering a patch, and taking patches out of a 9 MB bundle.
//!
//! These are absolute timings for comparing two builds on one machine; the side-by-side
//! ratios against `openssl`, `find` and `cp` are in `bench/`.

use std::path::PathBuf;

use certpatch::accept::validate::{self, Decision, Rules};
use certpatch::bundle::{render_patch, Bundle};
use certpatch::x509::{cert::Cert, clock, input};
use divan::{black_box, Bencher};

fn main() {
    divan::main();
}

fn fixture(name: &str) -> Vec<u8> {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "fixtures", "real", name]
        .iter()
        .collect();
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn certifi() -> Vec<u8> {
    fixture("certifi-2026.10.19-cacert.pem")
}

fn r10() -> Vec<Cert> {
    input::parse(&fixture("le-r10.pem"), "le-r10.pem").expect("R10 parses")
}

fn rules() -> Rules {
    Rules {
        at: clock::parse_at("2026-06-01T00:00:00Z").expect("a valid time"),
        allow_root: false,
        python_3_13: None,
    }
}

/// The certifi bundle repeated to at least 9 MB, with `patches` patches (R10, E5, R11,
/// E6 in turn) spread through it; returns the bytes.
fn big_bundle(patches: usize) -> Vec<u8> {
    let base = certifi();
    let certs: Vec<Cert> = ["le-r10.pem", "le-e5.pem", "le-r11.pem", "le-e6.pem"]
        .iter()
        .map(|n| {
            input::parse(&fixture(n), n)
                .expect("fixture parses")
                .remove(0)
        })
        .collect();
    let copies = (9 * 1024 * 1024) / base.len() + 1;
    let every = copies.div_ceil(patches.max(1));
    let mut out = Vec::with_capacity(copies * base.len() + patches * 4096);
    let mut added = 0;
    for i in 0..copies {
        out.extend_from_slice(&base);
        if added < patches && (i + 1) % every == 0 {
            let cert = &certs[added % certs.len()];
            let patch = render_patch(&out, cert, "2026-11-29T00:00:00Z", "bench.pem");
            out.extend_from_slice(&patch);
            added += 1;
        }
    }
    while added < patches {
        let cert = &certs[added % certs.len()];
        let patch = render_patch(&out, cert, "2026-11-29T00:00:00Z", "bench.pem");
        out.extend_from_slice(&patch);
        added += 1;
    }
    out
}

/// `Bundle::parse` of the real certifi bundle (117 certificates, 230 KB).
#[divan::bench]
fn parse_certifi(b: Bencher) {
    let bytes = certifi();
    b.bench(|| Bundle::parse(black_box(bytes.clone())));
}

/// What `find` reads of each bundle: the count and the patches.
#[divan::bench]
fn summary_certifi(b: Bencher) {
    let bytes = certifi();
    b.bench(|| Bundle::summary(black_box(&bytes)).certificates);
}

/// `check R10 --bundle certifi.pem`: read the input, parse the bundle, judge (the accept
/// layer's judge; signature results are cached for a run, as in the binary).
#[divan::bench]
fn check_r10(b: Bencher) {
    let bytes = certifi();
    let pem = fixture("le-r10.pem");
    b.bench(|| {
        let input = input::parse(black_box(&pem), "le-r10.pem").expect("R10 parses");
        let bundle = Bundle::parse(black_box(bytes.clone()));
        let verdicts = validate::judge(&input, &bundle, rules());
        assert_eq!(verdicts[0].decision, Decision::Add);
        verdicts.len()
    });
}

/// Only the judgement, with the bundle and the input already parsed.
#[divan::bench]
fn judge_r10(b: Bencher) {
    let bundle = Bundle::parse(certifi());
    let input = r10();
    b.bench(|| validate::judge(black_box(&input), black_box(&bundle), rules()).len());
}

/// Rendering R10's patch after the certifi bundle.
#[divan::bench]
fn render_r10_patch(b: Bencher) {
    let bytes = certifi();
    let cert = r10().remove(0);
    b.bench(|| {
        render_patch(
            black_box(&bytes),
            &cert,
            "2026-11-29T00:00:00Z",
            "le-r10.pem",
        )
    });
}

/// Taking 1 and 8 patches out of a 9 MB bundle (parse, then `without`).
#[divan::bench(args = [1, 8], sample_count = 10, sample_size = 1)]
fn take_out_of_9mb(b: Bencher, patches: usize) {
    let bytes = big_bundle(patches);
    assert!(bytes.len() >= 9 * 1024 * 1024);
    b.bench(|| {
        let bundle = Bundle::parse(black_box(bytes.clone()));
        assert_eq!(bundle.patches.len(), patches);
        let all: Vec<usize> = (0..patches).collect();
        bundle.without(&all).len()
    });
}

/// Parsing the 9 MB bundle alone (what `add` and `remove` read first).
#[divan::bench(sample_count = 10, sample_size = 1)]
fn parse_9mb(b: Bencher) {
    let bytes = big_bundle(8);
    b.bench(|| Bundle::parse(black_box(bytes.clone())).certs.len());
}
