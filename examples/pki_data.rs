//! Builds the data files the `pki` layer embeds:
//!
//! ```text
//! cargo run --release --example pki_data -- index SNAPSHOT.pem|REPORT.csv DATE
//! cargo run --release --example pki_data -- roots CERTIFI_RELEASES_DIR
//! ```
//!
//! `index` reads the intermediates (PEM, or Mozilla's CCADB CSV report with PEM, through
//! the same validation as `certpatch index refresh`) and writes `data/intermediates.bin`.
//! `roots` reads `<version>.pem` for every certifi release in the folder (made by
//! `scripts/fetch-certifi-releases.sh`) and writes `data/certifi-roots.bin` and
//! `data/certifi-removed-roots.tsv`. The index's validation chains rows to the roots in
//! `data/certifi-roots.bin`, so build `roots` first.

use std::path::Path;

use certpatch::pki::index::Index;
use certpatch::pki::roots::{Release, Roots};
use certpatch::pki::source;
use certpatch::x509::cert::Cert;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    match args.first().map(String::as_str) {
        Some("index") if args.len() == 3 => {
            let file = Path::new(&args[1]);
            let bytes = std::fs::read(file).expect("read the source");
            let rows = if file.extension().is_some_and(|e| e == "csv") {
                source::read_csv(&bytes)
            } else {
                source::read_pem(&bytes)
            }
            .expect("a readable source");
            let roots = Roots::decode(&std::fs::read(data.join("certifi-roots.bin")).unwrap())
                .expect("data/certifi-roots.bin");
            let root_certs: Vec<&Cert> = roots.roots.iter().map(|r| &r.cert).collect();
            let v = source::validate(rows, &root_certs);
            for (place, why) in &v.refused {
                eprintln!("refused {place}: {}", why.message());
            }
            eprintln!(
                "{} rows, {} kept, refused: {:?}",
                v.rows,
                v.certs.len(),
                v.counts()
            );
            let name = file.file_name().unwrap().to_string_lossy();
            let bytes = Index::encode(&v.certs, &args[2], &name);
            std::fs::write(data.join("intermediates.bin"), &bytes).unwrap();
            eprintln!("data/intermediates.bin: {} bytes", bytes.len());
        }
        Some("roots") if args.len() == 2 => {
            let mut releases = Vec::new();
            for entry in std::fs::read_dir(&args[1]).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_none_or(|e| e != "pem") {
                    continue;
                }
                let version = path.file_stem().unwrap().to_string_lossy().to_string();
                let bytes = std::fs::read(&path).unwrap();
                let certs: Vec<Cert> = pem::parse_many(&bytes)
                    .unwrap()
                    .iter()
                    .filter_map(|p| Cert::from_der(p.contents()).ok())
                    .collect();
                releases.push(Release { version, certs });
            }
            let roots = Roots::from_releases(releases);
            eprintln!(
                "{} releases ({} to {}), {} roots, {} removed",
                roots.versions,
                roots.oldest,
                roots.newest,
                roots.roots.len(),
                roots.removed().count()
            );
            let bytes = roots.encode();
            std::fs::write(data.join("certifi-roots.bin"), &bytes).unwrap();
            std::fs::write(data.join("certifi-removed-roots.tsv"), roots.removed_tsv()).unwrap();
            eprintln!("data/certifi-roots.bin: {} bytes", bytes.len());
        }
        _ => {
            eprintln!("usage: pki_data index SNAPSHOT.pem|REPORT.csv DATE | pki_data roots DIR");
            std::process::exit(2);
        }
    }
}
