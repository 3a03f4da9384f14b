//! Server-rendered SVG charts for the back office's dashboard: no script and no asset from
//! outside the server. Every chart is an `<svg role="img">` with a text summary, and carries its
//! figures as an HTML table too (for screen readers, for copying into a report, and for anyone
//! who prefers numbers).

use gongkai_export::escape_html as esc;

/// Colours with at least 4.5:1 contrast on white, in the order series take them.
pub const PALETTE: &[&str] = &[
    "#a40000", "#1d4ed8", "#047857", "#b45309", "#6b21a8", "#0f766e", "#374151",
];

/// One named row of values, one value per column label.
pub struct Series {
    pub name: String,
    pub values: Vec<i64>,
}

/// A chart ready for a template: its caption, the SVG, the legend and the data table.
pub struct Chart {
    pub caption: String,
    pub svg: String,
    /// (colour, name) of each series or part.
    pub legend: Vec<(&'static str, String)>,
    pub table: String,
}

const W: i64 = 640;
const H: i64 = 260;
const LEFT: i64 = 44;
const RIGHT: i64 = 8;
const TOP: i64 = 12;
const BOTTOM: i64 = 30;

/// A step of 1, 2 or 5 times a power of ten such that about four steps cover `max`.
fn nice_step(max: i64) -> i64 {
    let rough = (max.max(1) as f64 / 4.0).max(1.0);
    let p = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * p);
    (step as i64).max(1)
}

fn colour(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// The figures as a table: a row per series, a column per label, with totals.
fn table(labels: &[String], series: &[Series]) -> String {
    let mut t = String::from("<table class=\"chart-data\"><thead><tr><th scope=\"col\">类别</th>");
    for l in labels {
        t.push_str(&format!("<th scope=\"col\">{}</th>", esc(l)));
    }
    t.push_str("<th scope=\"col\">合计</th></tr></thead><tbody>");
    for s in series {
        t.push_str(&format!("<tr><th scope=\"row\">{}</th>", esc(&s.name)));
        for k in 0..labels.len() {
            t.push_str(&format!(
                "<td>{}</td>",
                s.values.get(k).copied().unwrap_or(0)
            ));
        }
        t.push_str(&format!("<td>{}</td></tr>", s.values.iter().sum::<i64>()));
    }
    t.push_str("</tbody></table>");
    t
}

/// A stacked column chart: a column per label, the series stacked in their order from the
/// bottom. Negative values count as zero.
pub fn stacked_columns(caption: &str, labels: &[String], series: &[Series]) -> Chart {
    let n = labels.len().max(1) as i64;
    let value = |s: &Series, k: usize| s.values.get(k).copied().unwrap_or(0).max(0);
    let totals: Vec<i64> = (0..labels.len())
        .map(|k| series.iter().map(|s| value(s, k)).sum())
        .collect();
    let max = totals.iter().copied().max().unwrap_or(0);
    let step = nice_step(max);
    let top = (max.max(1) + step - 1) / step * step;
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let y = |v: i64| TOP + plot_h - v * plot_h / top;
    let all: i64 = totals.iter().sum();
    let mut svg = format!(
        "<svg viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{}：合计 {all}\" \
         xmlns=\"http://www.w3.org/2000/svg\" font-size=\"12\">",
        esc(caption)
    );
    let mut v = 0;
    while v <= top {
        svg.push_str(&format!(
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#d1d5db\"/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#374151\">{v}</text>",
            W - RIGHT,
            LEFT - 6,
            y(v) + 4,
            y = y(v),
        ));
        v += step;
    }
    let slot = plot_w / n;
    let bar = (slot * 7 / 10).max(1);
    for (k, label) in labels.iter().enumerate() {
        let x = LEFT + slot * k as i64 + (slot - bar) / 2;
        let mut base = 0;
        for (i, s) in series.iter().enumerate() {
            let h = value(s, k);
            if h == 0 {
                continue;
            }
            svg.push_str(&format!(
                "<rect x=\"{x}\" y=\"{}\" width=\"{bar}\" height=\"{}\" fill=\"{}\">\
                 <title>{} {}：{h}</title></rect>",
                y(base + h),
                y(base) - y(base + h),
                colour(i),
                esc(label),
                esc(&s.name),
            ));
            base += h;
        }
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#374151\">{}</text>",
            x + bar / 2,
            H - BOTTOM + 16,
            esc(label)
        ));
    }
    svg.push_str("</svg>");
    Chart {
        caption: caption.to_string(),
        svg,
        legend: series
            .iter()
            .enumerate()
            .map(|(i, s)| (colour(i), s.name.clone()))
            .collect(),
        table: table(labels, series),
    }
}

/// One horizontal bar split into the parts' shares (of their sum), each labelled with its
/// percentage where it is wide enough.
pub fn shares(caption: &str, parts: &[(String, i64)]) -> Chart {
    let total: i64 = parts.iter().map(|p| p.1.max(0)).sum();
    let (bw, bh) = (W - 2, 44);
    let mut svg = format!(
        "<svg viewBox=\"0 0 {W} {}\" role=\"img\" aria-label=\"{}：{}\" \
         xmlns=\"http://www.w3.org/2000/svg\" font-size=\"13\">",
        bh + 4,
        esc(caption),
        esc(&parts
            .iter()
            .map(|(n, v)| format!("{n} {v}"))
            .collect::<Vec<_>>()
            .join("，"))
    );
    if total == 0 {
        svg.push_str(&format!(
            "<rect x=\"1\" y=\"2\" width=\"{bw}\" height=\"{bh}\" fill=\"#f3f4f6\" stroke=\"#d1d5db\"/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#374151\">暂无数据</text>",
            W / 2,
            bh / 2 + 7
        ));
    } else {
        let mut x = 1;
        let mut acc = 0;
        for (i, (name, v)) in parts.iter().enumerate() {
            let v = (*v).max(0);
            if v == 0 {
                continue;
            }
            acc += v;
            // Cumulative rounding: the parts always fill the bar exactly.
            let end = 1 + acc * bw / total;
            let w = end - x;
            let pct = (v * 1000 / total) as f64 / 10.0;
            svg.push_str(&format!(
                "<rect x=\"{x}\" y=\"2\" width=\"{w}\" height=\"{bh}\" fill=\"{}\"><title>{}：{v}（{pct}%）</title></rect>",
                colour(i),
                esc(name)
            ));
            if w >= 56 {
                svg.push_str(&format!(
                    "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#fff\">{pct}%</text>",
                    x + w / 2,
                    bh / 2 + 7
                ));
            }
            x = end;
        }
    }
    svg.push_str("</svg>");
    let series: Vec<Series> = parts
        .iter()
        .map(|(n, v)| Series {
            name: n.clone(),
            values: vec![*v],
        })
        .collect();
    Chart {
        caption: caption.to_string(),
        svg,
        legend: parts
            .iter()
            .enumerate()
            .map(|(i, p)| (colour(i), p.0.clone()))
            .collect(),
        table: table(&["数量".to_string()], &series),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The (y, height) of every `<rect …>` with a height, in document order.
    fn rects(svg: &str) -> Vec<(i64, i64, i64, i64)> {
        let attr = |r: &str, name: &str| -> i64 {
            r.split(&format!(" {name}=\""))
                .nth(1)
                .and_then(|v| v.split('"').next())
                .and_then(|v| v.parse().ok())
                .unwrap_or(-1)
        };
        svg.split("<rect")
            .skip(1)
            .map(|r| {
                (
                    attr(r, "x"),
                    attr(r, "y"),
                    attr(r, "width"),
                    attr(r, "height"),
                )
            })
            .collect()
    }

    proptest! {
        /// Every column stays inside the plot, columns are as tall as their values in
        /// proportion (a larger total is never drawn shorter), and the table holds every value.
        #[test]
        fn columns_stay_in_the_plot_and_keep_their_order(
            values in proptest::collection::vec(proptest::collection::vec(0i64..100_000, 1..13), 1..5)
        ) {
            let n = values.iter().map(Vec::len).max().unwrap_or(1);
            let labels: Vec<String> = (1..=n).map(|m| format!("{m}月")).collect();
            let series: Vec<Series> = values
                .iter()
                .enumerate()
                .map(|(i, v)| Series { name: format!("类{i}"), values: v.clone() })
                .collect();
            let c = stacked_columns("测试", &labels, &series);
            for (x, y, w, h) in rects(&c.svg) {
                prop_assert!(x >= LEFT && x + w <= W - RIGHT, "x {x} w {w}");
                prop_assert!(y >= TOP && y + h <= H - BOTTOM, "y {y} h {h}");
                prop_assert!(h >= 0);
            }
            let total = |k: usize| series.iter().map(|s| s.values.get(k).copied().unwrap_or(0)).sum::<i64>();
            let height = |k: usize| -> i64 {
                let x0 = LEFT + (W - LEFT - RIGHT) / n as i64 * k as i64;
                let x1 = x0 + (W - LEFT - RIGHT) / n as i64;
                rects(&c.svg).iter().filter(|r| r.0 >= x0 && r.0 < x1).map(|r| r.3).sum()
            };
            for a in 0..n {
                for b in 0..n {
                    if total(a) > total(b) {
                        prop_assert!(height(a) + 1 >= height(b), "{a} {b}");
                    }
                }
            }
            for s in &series {
                for v in &s.values {
                    let cell = format!("<td>{v}</td>");
                    prop_assert!(c.table.contains(&cell));
                }
            }
        }

        /// The shares fill the bar exactly, whatever the parts.
        #[test]
        fn shares_fill_the_bar(parts in proptest::collection::vec(0i64..1_000_000, 1..6)) {
            let named: Vec<(String, i64)> = parts.iter().enumerate().map(|(i, v)| (format!("段{i}"), *v)).collect();
            let c = shares("测试", &named);
            let r = rects(&c.svg);
            if parts.iter().sum::<i64>() > 0 {
                prop_assert_eq!(r.iter().map(|r| r.2).sum::<i64>(), W - 2);
                prop_assert_eq!(r.len(), parts.iter().filter(|v| **v > 0).count());
            } else {
                prop_assert!(c.svg.contains("暂无数据"));
            }
        }
    }

    #[test]
    fn labels_and_names_are_escaped() {
        let c = stacked_columns(
            "<script>",
            &["<b>".to_string()],
            &[Series {
                name: "a&b".into(),
                values: vec![3],
            }],
        );
        for part in [&c.svg, &c.table] {
            assert!(
                !part.contains("<script>") && !part.contains("<b>"),
                "{part}"
            );
        }
        assert!(c.table.contains("a&amp;b"));
        assert_eq!(nice_step(0), 1);
        assert_eq!(nice_step(7), 2);
        assert_eq!(nice_step(950), 500);
    }
}
