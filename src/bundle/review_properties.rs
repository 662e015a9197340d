//! Property tests of the patch format, from an adversarial review: interleaved adds and
//! removes must replay exactly (also with mixed CRLF/LF and lone CRs), and foreign edits
//! (stripped blank lines, text appended after a patch, moved or duplicated patches, line
//! ending conversions) must never make a removal damage or invent a certificate; one
//! variant checks with Python's `ssl` that the bundle still loads. The review ran 10,000
//! cases of each; CI runs fewer (`PROPTEST_CASES` sets the number).

use super::*;

pub fn pool() -> Vec<Cert> {
    ["le-r10.pem", "le-r11.pem", "le-e5.pem", "le-e6.pem"]
        .iter()
        .map(|name| {
            let path = format!("{}/fixtures/real/{name}", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read(path).unwrap();
            Cert::from_der(::pem::parse(text).unwrap().contents()).unwrap()
        })
        .collect()
}

fn remove_sha(bytes: &[u8], sha: &[u8; 32]) -> Vec<u8> {
    let b = Bundle::parse(bytes.to_vec());
    let idx: Vec<usize> = (0..b.patches.len())
        .filter(|&i| &b.patches[i].cert.sha256() == sha)
        .collect();
    assert!(!idx.is_empty());
    b.without(&idx)
}

#[test]
fn mixed_eol_crlf_first_lf_last() {
    let c = &pool()[0];
    for e in [
        &b"a\r\nb\n"[..],
        b"a\r\n\n",
        b"# x\r\n-----END CERTIFICATE-----\n",
    ] {
        let mut bytes = e.to_vec();
        bytes.extend(render_patch(e, c, "t", "p"));
        let out = remove_sha(&bytes, &c.sha256());
        assert_eq!(out, e, "{:?}", String::from_utf8_lossy(e));
    }
}

use proptest::prelude::*;

fn fixture_pem(name: &str) -> String {
    let path = format!("{}/fixtures/real/{name}", env!("CARGO_MANIFEST_DIR"));
    String::from_utf8(std::fs::read(path).unwrap()).unwrap()
}

/// Lines of foreign bundle text (without terminators).
fn piece(with_damage: bool) -> BoxedStrategy<Vec<String>> {
    let x1: Vec<String> = fixture_pem("isrg-root-x1.pem")
        .lines()
        .map(str::to_string)
        .collect();
    let x1h = {
        let mut v = vec![
            "# Issuer: CN=ISRG Root X1".to_string(),
            "# Subject: CN=ISRG Root X1".to_string(),
        ];
        v.extend(x1.clone());
        v
    };
    let mut opts: Vec<BoxedStrategy<Vec<String>>> = vec![
        Just(vec!["# Issuer: CN=Example O=Example".to_string()]).boxed(),
        Just(vec![String::new()]).boxed(),
        Just(vec![
            "# certpatch: a hand-written line, not a patch".to_string()
        ])
        .boxed(),
        Just(vec!["# certpatch: added 2020 from x".to_string()]).boxed(),
        Just(x1).boxed(),
        Just(x1h).boxed(),
        "[ -~]{0,20}".prop_map(|s| vec![s]).boxed(),
        Just(vec!["   ".to_string()]).boxed(),
        Just(vec!["cr\r".to_string()]).boxed(),
    ];
    if with_damage {
        opts.push(Just(vec!["-----BEGIN CERTIFICATE-----".to_string()]).boxed());
    }
    proptest::strategy::Union::new(opts).boxed()
}

/// mode 0: all LF, 1: all CRLF, 2: each line LF or CRLF at random.
fn original(with_damage: bool, mixed: bool) -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec(piece(with_damage), 0..6),
        prop::collection::vec(any::<bool>(), 64),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(move |(pieces, eols, crlf, final_eol)| {
            let lines: Vec<String> = pieces.into_iter().flatten().collect();
            let mut out = String::new();
            for (n, l) in lines.iter().enumerate() {
                out.push_str(l);
                if n + 1 < lines.len() || final_eol {
                    let c = if mixed { eols[n % 64] } else { crlf };
                    out.push_str(if c { "\r\n" } else { "\n" });
                }
            }
            out.into_bytes()
        })
}

#[derive(Debug, Clone)]
enum Op {
    Add(usize),
    Remove(Vec<usize>),
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(
        prop_oneof![
            (0usize..4).prop_map(Op::Add),
            prop::collection::vec(0usize..4, 1..3).prop_map(Op::Remove),
        ],
        1..14,
    )
}

fn present_in_order(bytes: &[u8]) -> Vec<[u8; 32]> {
    Bundle::parse(bytes.to_vec())
        .patches
        .iter()
        .map(|p| p.cert.sha256())
        .collect()
}

fn run_model(original: &[u8], ops: &[Op]) -> Result<(), TestCaseError> {
    let certs = pool();
    let ts = |k: usize| format!("2026-01-0{}T00:00:00Z", k + 1);
    let mut bytes = original.to_vec();
    for op in ops {
        let before = bytes.clone();
        match op {
            Op::Add(k) => {
                if Bundle::parse(bytes.clone()).contains(&certs[*k]) {
                    continue;
                }
                bytes.extend(render_patch(&bytes, &certs[*k], &ts(*k), "p.pem"));
                // removing what was just added gives back `before`
                let undo = remove_sha(&bytes, &certs[*k].sha256());
                prop_assert_eq!(&undo, &before, "undo of the last add");
            }
            Op::Remove(ks) => {
                let b = Bundle::parse(bytes.clone());
                let shas: Vec<[u8; 32]> = ks.iter().map(|&k| certs[k].sha256()).collect();
                let idx: Vec<usize> = (0..b.patches.len())
                    .filter(|&i| shas.contains(&b.patches[i].cert.sha256()))
                    .collect();
                if idx.is_empty() {
                    continue;
                }
                bytes = b.without(&idx);
            }
        }
        // Invariant: the bytes are exactly the original plus the present patches, re-added in
        // file order.
        let present = present_in_order(&bytes);
        let mut replay = original.to_vec();
        for sha in &present {
            let k = certs.iter().position(|c| &c.sha256() == sha).unwrap();
            replay.extend(render_patch(&replay, &certs[k], &ts(k), "p.pem"));
        }
        // documented intermediate state: an empty bundle keeps the separator of the
        // patch that is now first
        if original.is_empty() && bytes.first() == Some(&b'\n') && bytes[1..] == replay[..] {
            continue;
        }
        prop_assert_eq!(
            String::from_utf8_lossy(&bytes),
            String::from_utf8_lossy(&replay),
            "after {:?}",
            op
        );
    }
    prop_assert_eq!(Bundle::parse(bytes).pristine(), original.to_vec());
    Ok(())
}

proptest! {
    #![proptest_config(crate::x509::proptest_cases::cases(300))]

    #[test]
    fn interleaved_add_remove_is_replay_exact(original in original(true, false), ops in ops()) {
        run_model(&original, &ops)?;
    }
}

proptest! {
    #![proptest_config(crate::x509::proptest_cases::cases(300))]
    #[test]
    fn interleaved_add_remove_mixed_eol(original in original(true, true), ops in ops()) {
        run_model(&original, &ops)?;
    }
}

#[test]
fn lone_cr_first_line() {
    let c = pool();
    let e = b"a\r".to_vec();
    let mut bytes = e.clone();
    bytes.extend(render_patch(&bytes, &c[0], "t1", "p"));
    let one = bytes.clone();
    bytes.extend(render_patch(&bytes, &c[1], "t2", "p"));
    assert_eq!(remove_sha(&bytes, &c[1].sha256()), one, "remove B");
    let ra = remove_sha(&bytes, &c[0].sha256());
    assert_eq!(remove_sha(&ra, &c[1].sha256()), e, "remove A then B");
    assert_eq!(Bundle::parse(bytes).pristine(), e, "pristine");
}

// ---------------------------------------------------------------- foreign edits

use std::io::{BufRead, Write as _};
use std::sync::{Mutex, OnceLock};

struct Py {
    child: std::process::Child,
    out: std::io::BufReader<std::process::ChildStdout>,
    n: usize,
}

fn py_count(bytes: &[u8]) -> i64 {
    static PY: OnceLock<Mutex<Py>> = OnceLock::new();
    let py = PY.get_or_init(|| {
        let mut child = std::process::Command::new("python3")
            .arg("-c")
            .arg("import ssl,sys\nfor l in sys.stdin:\n  try:\n    c=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); c.load_verify_locations(cafile=l.strip()); print(c.cert_store_stats()['x509'])\n  except Exception as e:\n    print(-1)\n  sys.stdout.flush()\n")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let out = std::io::BufReader::new(child.stdout.take().unwrap());
        Mutex::new(Py { child, out, n: 0 })
    });
    let mut py = py.lock().unwrap();
    py.n += 1;
    let path = std::env::temp_dir().join(format!(
        "certpatch-pyin-{}-{}.pem",
        std::process::id(),
        py.n % 4
    ));
    let path = path.display().to_string();
    std::fs::write(&path, bytes).unwrap();
    writeln!(py.child.stdin.as_mut().unwrap(), "{path}").unwrap();
    let mut line = String::new();
    py.out.read_line(&mut line).unwrap();
    line.trim().parse().unwrap()
}

#[derive(Debug, Clone)]
enum Edit {
    StripBlank,
    AppendAfterPatch {
        sel: usize,
        text: usize,
        final_nl: bool,
        blank: bool,
        crlf: bool,
    },
    MovePatch {
        sel: usize,
        to: usize,
        with_sep: bool,
    },
    Duplicate {
        sel: usize,
        to: usize,
        with_sep: bool,
    },
    ToCrlf,
    ToLf,
    PartialCrlf {
        mask: u64,
    },
    TrailingWs {
        line: usize,
        ws: usize,
    },
    StripFinalNewline,
    InsertBlank {
        line: usize,
        crlf: bool,
    },
}

#[derive(Debug, Clone)]
enum FOp {
    Add(usize),
    Remove(Vec<usize>),
    Edit(Edit),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        Just(Edit::StripBlank),
        (
            any::<usize>(),
            0usize..6,
            any::<bool>(),
            any::<bool>(),
            any::<bool>()
        )
            .prop_map(
                |(sel, text, final_nl, blank, crlf)| Edit::AppendAfterPatch {
                    sel,
                    text,
                    final_nl,
                    blank,
                    crlf
                }
            ),
        (any::<usize>(), any::<usize>(), any::<bool>())
            .prop_map(|(sel, to, with_sep)| Edit::MovePatch { sel, to, with_sep }),
        (any::<usize>(), any::<usize>(), any::<bool>())
            .prop_map(|(sel, to, with_sep)| Edit::Duplicate { sel, to, with_sep }),
        Just(Edit::ToCrlf),
        Just(Edit::ToLf),
        any::<u64>().prop_map(|mask| Edit::PartialCrlf { mask }),
        (any::<usize>(), 0usize..3).prop_map(|(line, ws)| Edit::TrailingWs { line, ws }),
        Just(Edit::StripFinalNewline),
        (any::<usize>(), any::<bool>()).prop_map(|(line, crlf)| Edit::InsertBlank { line, crlf }),
    ]
}

fn fops() -> impl Strategy<Value = Vec<FOp>> {
    prop::collection::vec(
        prop_oneof![
            3 => (0usize..4).prop_map(FOp::Add),
            2 => prop::collection::vec(0usize..4, 1..3).prop_map(FOp::Remove),
            3 => edit().prop_map(FOp::Edit),
        ],
        1..12,
    )
}

fn split_lines(b: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    for &c in b {
        cur.push(c);
        if c == b'\n' {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn apply_edit(bytes: &[u8], e: &Edit) -> Vec<u8> {
    let b = Bundle::parse(bytes.to_vec());
    let pick = |sel: usize| (!b.patches.is_empty()).then(|| &b.patches[sel % b.patches.len()]);
    let patch_body = |p: &Patch, with_sep: bool| {
        let s = if with_sep {
            p.range.start + if p.took_terminator { p.eol.len() } else { 0 }
        } else {
            lines(bytes)
                .iter()
                .find(|l| l.end == p.marker_end)
                .unwrap()
                .start
        };
        s..p.range.end
    };
    match e {
        Edit::StripBlank => split_lines(bytes)
            .into_iter()
            .filter(|l| l != b"\n" && l != b"\r\n")
            .flatten()
            .collect(),
        Edit::AppendAfterPatch {
            sel,
            text,
            final_nl,
            blank,
            crlf,
        } => {
            let Some(p) = pick(*sel) else {
                return bytes.to_vec();
            };
            let eol = if *crlf { "\r\n" } else { "\n" };
            let body: String = match text {
                0 => "foo".into(),
                1 => "# a comment".into(),
                2 => fixture_pem("isrg-root-x1.pem").trim_end().into(),
                3 => pool()[0].pem("\n").trim_end().into(),
                4 => format!("# Issuer: x\n{}", fixture_pem("le-e5.pem").trim_end()),
                _ => String::new(),
            };
            let mut t = body.replace('\n', eol);
            if *blank {
                t = format!("{eol}{t}");
            }
            if *final_nl || p.range.end < bytes.len() {
                t.push_str(eol);
            }
            let mut out = bytes[..p.range.end].to_vec();
            if !out.is_empty() && !out.ends_with(b"\n") {
                out.extend_from_slice(b"\n");
            }
            out.extend(t.as_bytes());
            out.extend(&bytes[p.range.end..]);
            out
        }
        Edit::MovePatch { sel, to, with_sep } | Edit::Duplicate { sel, to, with_sep } => {
            let Some(p) = pick(*sel) else {
                return bytes.to_vec();
            };
            let r = patch_body(p, *with_sep);
            let mut chunk = bytes[r.clone()].to_vec();
            if !chunk.ends_with(b"\n") {
                chunk.extend(p.eol);
            }
            let mut rest = if matches!(e, Edit::MovePatch { .. }) {
                let mut v = bytes[..r.start].to_vec();
                v.extend(&bytes[r.end..]);
                v
            } else {
                bytes.to_vec()
            };
            if !rest.is_empty() && !rest.ends_with(b"\n") {
                rest.extend(b"\n");
            }
            let mut starts = safe_starts(&rest);
            starts.push(rest.len());
            let at = starts[to % starts.len()];
            let mut out = rest[..at].to_vec();
            out.extend(chunk);
            out.extend(&rest[at..]);
            out
        }
        Edit::ToCrlf => split_lines(bytes)
            .into_iter()
            .flat_map(|mut l| {
                if l.ends_with(b"\n") && !l.ends_with(b"\r\n") {
                    l.pop();
                    l.extend(b"\r\n");
                }
                l
            })
            .collect(),
        Edit::ToLf => split_lines(bytes)
            .into_iter()
            .flat_map(|mut l| {
                if l.ends_with(b"\r\n") {
                    l.truncate(l.len() - 2);
                    l.push(b'\n');
                }
                l
            })
            .collect(),
        Edit::PartialCrlf { mask } => split_lines(bytes)
            .into_iter()
            .enumerate()
            .flat_map(|(i, mut l)| {
                if mask >> (i % 64) & 1 == 1 {
                    if l.ends_with(b"\r\n") {
                        l.truncate(l.len() - 2);
                        l.push(b'\n');
                    } else if l.ends_with(b"\n") {
                        l.pop();
                        l.extend(b"\r\n");
                    }
                }
                l
            })
            .collect(),
        Edit::TrailingWs { line, ws } => {
            let mut ls = split_lines(bytes);
            if ls.is_empty() {
                return bytes.to_vec();
            }
            let n = line % ls.len();
            let l = &mut ls[n];
            let cut = if l.ends_with(b"\r\n") {
                2
            } else if l.ends_with(b"\n") {
                1
            } else {
                0
            };
            let tail = l.split_off(l.len() - cut);
            l.extend([&b" "[..], b"\t", b"  "][*ws]);
            l.extend(tail);
            ls.concat()
        }
        Edit::StripFinalNewline => {
            let mut v = bytes.to_vec();
            if v.ends_with(b"\n") {
                v.pop();
                if v.ends_with(b"\r") {
                    v.pop();
                }
            }
            v
        }
        Edit::InsertBlank { line, crlf } => {
            let mut starts = safe_starts(bytes);
            if bytes.is_empty() || bytes.ends_with(b"\n") {
                starts.push(bytes.len());
            }
            let at = starts[line % starts.len()];
            let mut out = bytes[..at].to_vec();
            out.extend(if *crlf { &b"\r\n"[..] } else { b"\n" });
            out.extend(&bytes[at..]);
            out
        }
    }
}

fn norm_lines(b: &[u8], skip: &[std::ops::Range<usize>]) -> (Vec<String>, usize) {
    let mut out = Vec::new();
    let mut blanks = 0;
    for l in lines(b) {
        if skip.iter().any(|r| r.contains(&l.start)) {
            continue;
        }
        let t = &b[l.start..l.end];
        let mut s = String::from_utf8_lossy(t)
            .trim_end_matches('\r')
            .to_string();
        if s.is_empty() {
            blanks += 1;
            continue;
        }
        if s.trim_start().starts_with(MARKER) {
            if let Some(x) = s.strip_suffix(FINAL_NEWLINE_FLAG) {
                s = x.to_string();
            }
        }
        out.push(s);
    }
    (out, blanks)
}

fn sha_multiset(b: &Bundle) -> std::collections::BTreeMap<[u8; 32], usize> {
    let mut m = std::collections::BTreeMap::new();
    for c in &b.certs {
        *m.entry(c.sha256()).or_insert(0) += 1;
    }
    m
}

fn check_removal(inp: &[u8], shas: &[[u8; 32]], use_py: bool) -> Result<Vec<u8>, TestCaseError> {
    let b = Bundle::parse(inp.to_vec());
    let idx: Vec<usize> = (0..b.patches.len())
        .filter(|&i| shas.contains(&b.patches[i].cert.sha256()))
        .collect();
    if idx.is_empty() {
        return Ok(inp.to_vec());
    }
    let out = b.without(&idx);
    let ob = Bundle::parse(out.clone());
    let dump = || {
        std::fs::write("/tmp/bundle-review/fail-in.bin", inp).unwrap();
        std::fs::write("/tmp/bundle-review/fail-out.bin", &out).unwrap();
        std::fs::write("/tmp/bundle-review/fail-idx.txt", format!("{idx:?}")).unwrap();
    };
    let dump = || {
        dump();
        format!("\nIN:  {}\nOUT: {}", abbrev(inp), abbrev(&out))
    };
    // certificates: exactly the removed patches' certificates are gone
    let mut want = sha_multiset(&b);
    for &i in &idx {
        *want.get_mut(&b.patches[i].cert.sha256()).unwrap() -= 1;
    }
    want.retain(|_, n| *n > 0);
    prop_assert_eq!(sha_multiset(&ob), want, "certificates{}", dump());
    prop_assert_eq!(
        ob.damaged_blocks,
        b.damaged_blocks,
        "damaged blocks{}",
        dump()
    );
    // lines: every non-blank line outside the removed patches is kept, in order, and
    // nothing else is added
    let ranges: Vec<_> = idx.iter().map(|&i| b.patches[i].range.clone()).collect();
    let (keep, _) = norm_lines(inp, &ranges);
    let (_, in_blanks) = norm_lines(inp, &[]);
    let (got, out_blanks) = norm_lines(&out, &[]);
    prop_assert_eq!(got, keep, "lines{}", dump());
    prop_assert!(out_blanks <= in_blanks, "blank lines added{}", dump());
    if use_py {
        let distinct = |bb: &Bundle| {
            bb.certs
                .iter()
                .map(|c| c.sha256())
                .collect::<std::collections::BTreeSet<_>>()
                .len() as i64
        };
        if distinct(&ob) > 0 && py_count(inp) == distinct(&b) {
            prop_assert_eq!(py_count(&out), distinct(&ob), "python ssl{}", dump());
        }
    }
    Ok(out)
}

fn run_foreign(original: &[u8], ops: &[FOp], use_py: bool) -> Result<(), TestCaseError> {
    let certs = pool();
    let mut bytes = original.to_vec();
    for op in ops {
        match op {
            FOp::Add(k) => {
                if !Bundle::parse(bytes.clone()).contains(&certs[*k]) {
                    bytes.extend(render_patch(&bytes, &certs[*k], &format!("t{k}"), "p.pem"));
                }
            }
            FOp::Edit(e) => bytes = apply_edit(&bytes, e),
            FOp::Remove(ks) => {
                let shas: Vec<[u8; 32]> = ks.iter().map(|&k| certs[k].sha256()).collect();
                bytes = check_removal(&bytes, &shas, use_py)?;
            }
        }
    }
    let all: Vec<[u8; 32]> = certs.iter().map(|c| c.sha256()).collect();
    check_removal(&bytes, &all, use_py)?;
    Ok(())
}

proptest! {
    #![proptest_config(crate::x509::proptest_cases::cases(300))]
    #[test]
    fn foreign_edits_never_corrupt(original in original(false, false), ops in fops()) {
        run_foreign(&original, &ops, false)?;
    }
}

proptest! {
    #![proptest_config(crate::x509::proptest_cases::cases(40))]
    #[test]
    #[cfg_attr(not(feature = "test-python"), ignore = "runs python3: feature test-python")]
    fn foreign_edits_python_loads(original in original(false, true), ops in fops()) {
        // Needs python3 (to load each bundle with the ssl module): a missing one fails
        // here (feature `test-python`); `foreign_edits_never_corrupt` checks the same edits
        // without Python.
        let has_python = std::process::Command::new("python3").arg("-V").output().is_ok();
        prop_assert!(
            has_python,
            "python3 is not on PATH: install it, or switch off the `test-python` feature \
             (README, \"Run the tests\")"
        );
        run_foreign(&original, &ops, true)?;
    }
}

pub fn abbrev(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b).to_string();
    let mut out = String::new();
    let mut in_b64 = false;
    for l in s.split_inclusive('\n') {
        let t = l.trim();
        let b64 = t.len() >= 40 && !t.starts_with('#') && !t.starts_with("-----");
        if b64 {
            if !in_b64 {
                out.push_str("<b64>");
                let e = &l[l.trim_end_matches(['\r', '\n']).len()..];
                out.push_str(e);
            }
            in_b64 = true;
            continue;
        }
        in_b64 = false;
        if t.starts_with("# ") && !t.starts_with("# certpatch") && t.len() > 30 {
            out.push_str(&l[..12]);
            out.push('…');
            out.push_str(&l[l.trim_end_matches(['\r', '\n']).len()..]);
            continue;
        }
        out.push_str(l);
    }
    format!("{:?}", out)
}

/// Line starts that are not inside a PEM block.
fn safe_starts(b: &[u8]) -> Vec<usize> {
    let mut v = Vec::new();
    let mut inside = false;
    for l in lines(b) {
        if !inside {
            v.push(l.start);
        }
        let t = String::from_utf8_lossy(&b[l.start..l.end])
            .trim()
            .to_string();
        if t.starts_with("-----BEGIN ") {
            inside = true;
        }
        if t.starts_with("-----END ") {
            inside = false;
        }
    }
    v
}

#[test]
fn stray_marker_merges_with_foreign_cert() {
    let c = pool();
    let (a, cc) = (&c[0], &c[2]);
    let e = b"# certpatch: added 2025-01-01T00:00:00Z from old.pem\n".to_vec();
    let mut bytes = e.clone();
    bytes.extend(render_patch(&bytes, a, "t", "a.pem"));
    // foreign: `cat c.pem >> bundle`, c.pem with certifi's header lines
    let foreign = format!(
        "# Issuer: {}\n# Subject: {}\n# Label: \"{}\"\n# Serial: {}\n# MD5 Fingerprint: {}\n# SHA1 Fingerprint: {}\n# SHA256 Fingerprint: {}\n{}",
        cc.issuer_certifi(), cc.subject_certifi(), cc.label(), cc.serial_decimal(), hex_colons(&cc.md5()), hex_colons(&cc.sha1()), hex_colons(&cc.sha256()), cc.pem("\n"));
    bytes.extend(foreign.as_bytes());
    let b = Bundle::parse(bytes.clone());
    assert_eq!(b.patches.len(), 1, "only A is a patch");
    let out = b.without(&[0]);
    let ob = Bundle::parse(out.clone());
    assert!(
        ob.patches.is_empty(),
        "the foreign certificate became a patch:\n{}",
        abbrev(&out)
    );
    assert_eq!(ob.certs.len(), 1, "the foreign certificate is kept");
    let all: Vec<usize> = (0..ob.patches.len()).collect();
    assert_eq!(Bundle::parse(ob.without(&all)).certs.len(), 1);
    assert_eq!(
        Bundle::parse(b.pristine()).certs.len(),
        1,
        "pristine keeps it too"
    );
}

#[test]
fn trailing_whitespace_on_patch_lines() {
    let c = &pool()[0];
    let base = {
        let mut b = b"x\n".to_vec();
        b.extend(render_patch(b"x\n", c, "t", "p"));
        String::from_utf8(b).unwrap()
    };
    let n = base.lines().count();
    for i in 0..n {
        let t: String = base
            .lines()
            .enumerate()
            .map(|(j, l)| {
                if j == i {
                    format!("{l} \n")
                } else {
                    format!("{l}\n")
                }
            })
            .collect();
        let b = Bundle::parse(t.into_bytes());
        assert_eq!(b.patches.len(), 1, "trailing space on line {i}");
    }
}

// ------------------------------------------------ one pass == one removal at a time

/// `without` (one pass) against `without_reference` (one removal at a time, re-reading the
/// whole bundle before each), on the bundle after every step of a run of adds, removals
/// and foreign edits, for any set of indexes in any order (repeats and out-of-range ones
/// included), and for all of them (`pristine`).
fn run_differential(
    original: &[u8],
    ops: &[FOp],
    picks: &[Vec<usize>],
) -> Result<(), TestCaseError> {
    let certs = pool();
    let mut bytes = original.to_vec();
    let check = |bytes: &[u8], step: usize| -> Result<(), TestCaseError> {
        let b = Bundle::parse(bytes.to_vec());
        let n = b.patches.len();
        let mut selections: Vec<Vec<usize>> = picks
            .iter()
            .map(|pick| pick.iter().map(|&k| k % (n + 2)).collect())
            .collect();
        selections.push((0..n).rev().collect());
        for idx in selections {
            let new = b.without(&idx);
            let old = b.without_reference(&idx);
            prop_assert!(
                new == old,
                "step {} removing {:?}\nIN:  {}\nNEW: {}\nOLD: {}",
                step,
                idx,
                abbrev(bytes),
                abbrev(&new),
                abbrev(&old)
            );
        }
        Ok(())
    };
    check(&bytes, 0)?;
    for (step, op) in ops.iter().enumerate() {
        match op {
            FOp::Add(k) => {
                if !Bundle::parse(bytes.clone()).contains(&certs[*k]) {
                    bytes.extend(render_patch(&bytes, &certs[*k], &format!("t{k}"), "p.pem"));
                }
            }
            FOp::Edit(e) => bytes = apply_edit(&bytes, e),
            FOp::Remove(ks) => {
                let b = Bundle::parse(bytes.clone());
                let idx: Vec<usize> = (0..b.patches.len())
                    .filter(|&i| {
                        ks.iter()
                            .any(|&k| certs[k].sha256() == b.patches[i].cert.sha256())
                    })
                    .collect();
                bytes = b.without_reference(&idx);
            }
        }
        check(&bytes, step + 1)?;
    }
    Ok(())
}

fn picks() -> impl Strategy<Value = Vec<Vec<usize>>> {
    prop::collection::vec(prop::collection::vec(0usize..16, 0..6), 1..4)
}

proptest! {
    // The review ran 10,000 cases of each (PROPTEST_CASES=10000); CI runs fewer.
    #![proptest_config(crate::x509::proptest_cases::cases(300))]

    #[test]
    fn one_pass_removal_equals_one_at_a_time(
        original in original(true, false),
        ops in fops(),
        picks in picks(),
    ) {
        run_differential(&original, &ops, &picks)?;
    }

    #[test]
    fn one_pass_removal_equals_one_at_a_time_mixed_eol(
        original in original(true, true),
        ops in fops(),
        picks in picks(),
    ) {
        run_differential(&original, &ops, &picks)?;
    }
}

/// The seams the differential test found or that the one-pass removal must read around:
/// a stray marker brought next to a certifi-style block (the blank line stays), and a
/// flagged patch whose separator begins inside the line ending of the patch before it.
#[test]
fn one_pass_removal_at_delicate_seams() {
    let c = pool();
    let (a, b, cc) = (&c[0], &c[1], &c[2]);
    let e = b"# certpatch: added 2025-01-01T00:00:00Z from old.pem\n".to_vec();
    let mut stray = e.clone();
    stray.extend(render_patch(&stray, a, "t", "a.pem"));
    let foreign = format!(
        "# Issuer: {}\n# Subject: {}\n# Label: \"{}\"\n# Serial: {}\n# MD5 Fingerprint: {}\n# SHA1 Fingerprint: {}\n# SHA256 Fingerprint: {}\n{}",
        cc.issuer_certifi(), cc.subject_certifi(), cc.label(), cc.serial_decimal(), hex_colons(&cc.md5()), hex_colons(&cc.sha1()), hex_colons(&cc.sha256()), cc.pem("\n"));
    stray.extend(foreign.as_bytes());
    let bundle = Bundle::parse(stray.clone());
    assert_eq!(bundle.patches.len(), 1);
    let out = bundle.without(&[0]);
    assert_eq!(out, bundle.without_reference(&[0]));
    let mut want = e.clone();
    want.extend(b"\n");
    want.extend(foreign.as_bytes());
    assert_eq!(
        String::from_utf8(out).unwrap(),
        String::from_utf8(want).unwrap()
    );

    // "…-----END CERTIFICATE-----\n\n# certpatch: …; final newline added": the flagged
    // patch's range begins with the line ending of the patch before it.
    let mut bytes = b"x\n".to_vec();
    bytes.extend(render_patch(b"x\n", a, "t1", "a.pem"));
    let stripped = bytes[..bytes.len() - 1].to_vec();
    bytes.extend(&render_patch(&stripped, b, "t2", "b.pem")[1..]);
    let bundle = Bundle::parse(bytes.clone());
    assert_eq!(bundle.patches.len(), 2);
    assert!(bundle.patches[1].range.start < bundle.patches[0].range.end);
    for idx in [&[0usize, 1][..], &[1], &[0], &[1, 0, 1]] {
        assert_eq!(
            bundle.without(idx),
            bundle.without_reference(idx),
            "removing {idx:?} from {}",
            abbrev(&bytes)
        );
    }
    assert_eq!(bundle.pristine(), b"x\n");
}
