//! Two measurements, each with the median and p95 time per form and the peak resident set
//! (VmHWM) before and after, which should stay flat:
//!
//! - `typical`: a synthetic two-page declaration form, straight through the PDF engine,
//!   rendered 1,000 times;
//! - `forms`: the six example dossiers (`examples/*.json`), each read once, then rendered by
//!   `render::render_dossier` 1,000 times in all, cycling through the kinds (form mapping,
//!   fee schedule, layout and PDF writing: what the app pays per form), with per-kind medians.
//!
//! `cargo bench -p hoso-core --bench render [-- typical|forms]` (goal: under 5 ms per form on
//! one core).

use std::path::Path;
use std::time::{Duration, Instant};

use hoso_core::catalog::DataSet;
use hoso_core::pdf::{
    Align, Block, Column, DocMeta, Document, OfficeBox, SignatureBlock, Table, render,
};
use hoso_core::render::{RenderInput, render_dossier};
use hoso_core::{Dossier, drafting};
use sha2::{Digest, Sha256};

/// Renders to time; `HOSO_BENCH_RUNS` overrides (e.g. 10000 to watch memory over a longer run).
fn runs() -> usize {
    std::env::var("HOSO_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|&n| n >= 20)
        .unwrap_or(1_000)
}

fn field(label: &str, value: &str) -> Block {
    Block::Field {
        label: label.into(),
        value: value.into(),
    }
}

fn section(n: usize, heading: &str) -> Block {
    Block::Section {
        number: Some(n.to_string()),
        heading: heading.into(),
    }
}

fn typical_form() -> Document {
    let mut blocks = vec![
        Block::OfficeBox(OfficeBox {
            stamp_lines: vec!["DẤU NHẬN ĐƠN".into(), "(Dành cho cán bộ nhận đơn)".into()],
            form_label: vec!["Mẫu số 08 - Phụ lục I".into()],
        }),
        Block::NationalHeader,
        Block::Title {
            text: "TỜ KHAI ĐĂNG KÝ NHÃN HIỆU".into(),
            subtitle: None,
        },
        Block::Paragraph("Kính gửi: Cục Sở hữu trí tuệ".into()),
    ];
    let sections = [
        "CHỦ ĐƠN",
        "ĐẠI DIỆN CỦA CHỦ ĐƠN",
        "NHÃN HIỆU",
        "YÊU CẦU HƯỞNG QUYỀN ƯU TIÊN",
    ];
    for (n, heading) in sections.iter().enumerate() {
        blocks.push(section(n + 1, heading));
        blocks.push(field(
            "Tên đầy đủ",
            "Công ty Cổ phần Thực phẩm Đặng Thị Ngọc Ánh",
        ));
        blocks.push(field(
            "Địa chỉ",
            "Số 12 phố Nguyễn Trãi, phường Thượng Đình, quận Thanh Xuân, thành phố Hà Nội",
        ));
        blocks.push(field("Điện thoại", "024 3858 1234"));
        blocks.push(field("Email", "lienhe@example.vn"));
        blocks.push(Block::Checkbox {
            checked: n % 2 == 0,
            label: "Chủ đơn là tổ chức được thành lập theo pháp luật Việt Nam".into(),
        });
    }
    blocks.push(section(5, "DANH MỤC HÀNG HÓA, DỊCH VỤ MANG NHÃN HIỆU"));
    blocks.push(Block::Table(Table {
        columns: vec![
            Column {
                heading: "Nhóm".into(),
                width_ratio: 1.0,
                align: Align::Center,
            },
            Column {
                heading: "Danh mục hàng hóa, dịch vụ".into(),
                width_ratio: 6.0,
                align: Align::Left,
            },
        ],
        rows: (0..15)
            .map(|i| {
                vec![
                    (29 + i % 3).to_string(),
                    "Bánh phở; bún; miến; bánh đa nem; mì ăn liền; cháo ăn liền; gạo".into(),
                ]
            })
            .collect(),
        total_row: None,
    }));
    blocks.push(Block::SignatureBlock(SignatureBlock {
        place_and_date: "Hà Nội, ngày 15 tháng 3 năm 2026".into(),
        role_line: "CHỦ ĐƠN".into(),
        name: "Đặng Thị Ngọc Ánh".into(),
        note: Some("(Ký, ghi rõ họ tên, chức vụ và đóng dấu)".into()),
    }));
    Document {
        meta: DocMeta {
            title: "Tờ khai đăng ký nhãn hiệu".into(),
            subject: "Mẫu số 08".into(),
            author: "Đặng Thị Ngọc Ánh".into(),
            language: "vi".into(),
            created: jiff::Timestamp::from_second(1_773_541_800).expect("in range"),
        },
        running_header: Some("Mẫu số 08 – Tờ khai đăng ký nhãn hiệu".into()),
        blocks,
    }
}

/// Peak resident set size in kB, from Linux's /proc (None elsewhere).
fn vm_hwm_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Time this thread has spent on a CPU, from Linux's /proc (None elsewhere). Unlike the wall
/// clock it leaves out the time spent waiting for a CPU while other processes (a parallel
/// build) run. The kernel updates it at scheduler ticks, so only a long run's total is exact:
/// it gives the mean per form, not a median.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// Times one call on the wall clock.
fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

fn print_cpu(start: Option<Duration>, runs: usize, end: Option<Duration>) {
    if let Some(total) = start.zip(end).map(|(a, b)| b.saturating_sub(a)) {
        println!("  on-CPU time: mean {:.2} ms", ms(total) / runs as f64);
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn percentile(sorted: &[Duration], p: usize) -> f64 {
    ms(sorted[(sorted.len() * p / 100).min(sorted.len() - 1)])
}

fn typical() {
    let doc = typical_form();
    let first = render(&doc).expect("typical form renders");
    println!(
        "typical form: {} pages, {} bytes",
        first.pages,
        first.bytes.len()
    );
    println!("VmHWM after the first render: {:?} kB", vm_hwm_kb());
    let runs = runs();
    let mut times = Vec::with_capacity(runs);
    let cpu = cpu_time();
    for _ in 0..runs {
        let (out, wall) = timed(|| render(&doc).expect("renders"));
        times.push(wall);
        std::hint::black_box(out);
    }
    let cpu_end = cpu_time();
    times.sort();
    println!(
        "{runs} renders: median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        percentile(&times, 50),
        percentile(&times, 95),
        ms(times[runs - 1]),
    );
    print_cpu(cpu, runs, cpu_end);
    println!("VmHWM after {runs} renders: {:?} kB", vm_hwm_kb());
}

const KINDS: [&str; 6] = [
    "tech-transfer",
    "patent",
    "utility-solution",
    "industrial-design",
    "trademark",
    "barcode",
];

/// The example dossiers, read once, with the creation time `render_file` would give them.
fn example_forms() -> Vec<(&'static str, Dossier, jiff::Timestamp)> {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let today = jiff::civil::date(2026, 11, 23);
    KINDS
        .iter()
        .map(|kind| {
            let dossier = drafting::read_file(&examples.join(format!("{kind}.json")), today)
                .unwrap_or_else(|e| panic!("{kind}: {e}"));
            let day = dossier.filing_date().unwrap_or(today);
            let saved_at = day
                .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(7)))
                .expect("in range")
                .timestamp();
            (*kind, dossier, saved_at)
        })
        .collect()
}

/// Every file under `examples/files`, by the hex SHA-256 the dossiers reference it with.
fn example_files() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/files");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("examples/files")
        .map(|entry| {
            let bytes = std::fs::read(entry.expect("entry").path()).expect("readable");
            (hex::encode(Sha256::digest(&bytes)), bytes)
        })
        .collect();
    files.sort();
    files
}

fn forms() {
    let dossiers = example_forms();
    let files = example_files();
    let attachment = |sha: &str| -> Option<Vec<u8>> {
        files
            .iter()
            .find(|(h, _)| h == sha)
            .map(|(_, bytes)| bytes.clone())
    };
    let render_one = |(_, dossier, saved_at): &(&str, Dossier, jiff::Timestamp)| {
        let input = RenderInput {
            saved_at: *saved_at,
            attachment: &attachment,
            data: DataSet::bundled(),
        };
        render_dossier(dossier, &input).expect("example renders")
    };
    for entry in &dossiers {
        let forms = render_one(entry);
        let pdf = &forms[0].pdf;
        println!(
            "{:<18} {} pages, {} bytes",
            entry.0,
            pdf.pages,
            pdf.bytes.len()
        );
    }
    println!("VmHWM after the first render of each: {:?} kB", vm_hwm_kb());
    let runs = runs();
    let mut all = Vec::with_capacity(runs);
    let mut per_kind: Vec<Vec<Duration>> = vec![Vec::new(); dossiers.len()];
    let cpu = cpu_time();
    for i in 0..runs {
        let k = i % dossiers.len();
        let (out, wall) = timed(|| render_one(&dossiers[k]));
        std::hint::black_box(out);
        all.push(wall);
        per_kind[k].push(wall);
    }
    let cpu_end = cpu_time();
    all.sort();
    println!(
        "{runs} forms: median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        percentile(&all, 50),
        percentile(&all, 95),
        ms(all[runs - 1]),
    );
    print_cpu(cpu, runs, cpu_end);
    for ((kind, _, _), times) in dossiers.iter().zip(&mut per_kind) {
        times.sort();
        println!(
            "  {kind:<18} median {:.2} ms, p95 {:.2} ms ({} renders)",
            percentile(times, 50),
            percentile(times, 95),
            times.len()
        );
    }
    println!("VmHWM after {runs} forms: {:?} kB", vm_hwm_kb());
}

fn main() {
    // `cargo bench` passes `--bench`; a bare word selects one part.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |part: &str| only.is_empty() || only.iter().any(|o| o == part);
    if wanted("typical") {
        typical();
    }
    if wanted("forms") {
        forms();
    }
}
