//! Render a typical two-page declaration form 1,000 times: median and p95 time per document,
//! and the peak resident set (VmHWM) before and after, which should stay flat.
//!
//! `cargo bench -p hoso-core --bench render` (goal: under 5 ms per form on one core).

use std::time::{Duration, Instant};

use hoso_core::pdf::{
    Align, Block, Column, DocMeta, Document, OfficeBox, SignatureBlock, Table, render,
};

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

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
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
    for _ in 0..runs {
        let start = Instant::now();
        let out = render(&doc).expect("renders");
        times.push(start.elapsed());
        std::hint::black_box(out);
    }
    times.sort();
    println!(
        "{runs} renders: median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        ms(times[runs / 2]),
        ms(times[runs * 95 / 100]),
        ms(times[runs - 1]),
    );
    println!("VmHWM after {runs} renders: {:?} kB", vm_hwm_kb());
}
