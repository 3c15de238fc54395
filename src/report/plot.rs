//! Small, dependency-free SVG charts for the HTML report: line charts (linear,
//! log10 and HdrHistogram-style percentile axes, error bars, shaded bands,
//! categorical x), stacked bars and grouped bars.
//!
//! Hand-written because the report must be one self-contained file that
//! renders offline in a browser: no JavaScript, no network, no font files, and
//! the same input gives the same bytes, so reports can be diffed and
//! snapshot-tested. Plotting crates such as `plotters` were considered; they
//! bring font discovery/rasterising and a tree of dependencies for what here is
//! three chart kinds in a few hundred lines of string formatting.
//!
//! Every chart is a complete `<svg>` element with a `<title>` (for screen
//! readers), a visible title (`class="title"`), axis lines with "nice" ticks
//! (1-2-5 steps on linear axes, decades on log axes), axis labels
//! (`class="x-label"`, `class="y-label"`; the caller puts the unit in the
//! label, e.g. `"latency [µs]"`) and a legend (`class="legend"`). Values that
//! are not finite, and values an axis cannot show (≤ 0 on a log axis, < 0 on a
//! percentile axis), are skipped; a chart with nothing left to draw says
//! "no data". Coordinates carry at most two decimals.
//!
//! ## Limitations
//! - Text widths are estimated from character counts (there is no font
//!   metrics table), so very long labels can overlap their neighbours; legend
//!   labels longer than [`LEGEND_CHARS`] are shortened on screen (the full text
//!   stays in a tooltip).
//! - Lines join points in the order given; sort by x first.

use std::fmt::Write;

/// Writes formatted text to a `String` (which cannot fail).
macro_rules! put {
    ($out:expr, $($arg:tt)*) => {{
        let _ = write!($out, $($arg)*);
    }};
}

/// Chart width [px].
const W: f64 = 720.0;
/// Minimum chart height [px]; a long legend or rotated x labels make it taller.
const H_MIN: f64 = 420.0;
/// Top of the plot area [px] (below the title).
const TOP: f64 = 44.0;
/// Estimated advance of one character at the 11 px base font [px].
const CHAR_W: f64 = 6.2;
/// Height of one legend row [px].
const ROW: f64 = 18.0;
/// Legend labels longer than this many characters are shortened on screen.
pub const LEGEND_CHARS: usize = 32;
/// Largest magnitude kept on a linear axis (larger values are clamped, so
/// spans stay finite).
const LIN_MAX: f64 = 1e300;
/// Largest percentile a [`Scale::Percentile`] axis shows, so log stays finite.
const PCT_MAX: f64 = 99.9999;

/// The fixed colour of each I/O path in every plot, from the Okabe–Ito
/// colour-blind-safe palette: `baremetal` black, `emulated` vermillion,
/// `virtio` blue, `passthrough` bluish green, `sriov` reddish purple. Any other
/// name gets a colour from a fallback list, chosen by an FNV-1a hash of the
/// name (the same name always gets the same colour).
pub fn path_colour(path: &str) -> &'static str {
    const FALLBACK: [&str; 6] = [
        "#E69F00", "#56B4E9", "#999999", "#882255", "#117733", "#997700",
    ];
    match path {
        "baremetal" => "#000000",
        "emulated" => "#D55E00",
        "virtio" => "#0072B2",
        "passthrough" => "#009E73",
        "sriov" => "#CC79A7",
        other => FALLBACK[(fnv1a(other) % FALLBACK.len() as u64) as usize],
    }
}

/// A point marker's shape. Each I/O path has its own ([`path_marker`]), so
/// paths stay apart where colours are hard to tell apart (in print, for a
/// colour-blind reader) and where two paths' lines lie on one another.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Marker {
    /// A filled circle.
    #[default]
    Circle,
    /// A filled square.
    Square,
    /// A filled triangle, point up.
    Triangle,
    /// A filled diamond.
    Diamond,
    /// An open cross (×).
    Cross,
}

impl Marker {
    /// The marker centred at (`x`, `y`) px in `colour`, about 6 px across.
    fn svg(self, x: f64, y: f64, colour: &str) -> String {
        let (cx, cy) = (n(x), n(y));
        match self {
            Marker::Circle => {
                format!("<circle cx=\"{cx}\" cy=\"{cy}\" r=\"2.8\" fill=\"{colour}\"/>")
            }
            Marker::Square => format!(
                "<rect x=\"{}\" y=\"{}\" width=\"5.4\" height=\"5.4\" fill=\"{colour}\"/>",
                n(x - 2.7),
                n(y - 2.7)
            ),
            Marker::Triangle => format!(
                "<path d=\"M{} {}L{} {}L{} {}Z\" fill=\"{colour}\"/>",
                n(x),
                n(y - 3.4),
                n(x + 3.2),
                n(y + 2.4),
                n(x - 3.2),
                n(y + 2.4)
            ),
            Marker::Diamond => format!(
                "<path d=\"M{} {}L{} {}L{} {}L{} {}Z\" fill=\"{colour}\"/>",
                n(x),
                n(y - 3.6),
                n(x + 3.2),
                n(y),
                n(x),
                n(y + 3.6),
                n(x - 3.2),
                n(y)
            ),
            Marker::Cross => format!(
                "<path d=\"M{} {}L{} {}M{} {}L{} {}\" stroke=\"{colour}\" stroke-width=\"1.6\" fill=\"none\"/>",
                n(x - 3.0),
                n(y - 3.0),
                n(x + 3.0),
                n(y + 3.0),
                n(x - 3.0),
                n(y + 3.0),
                n(x + 3.0),
                n(y - 3.0)
            ),
        }
    }
}

/// The marker of an I/O path (by name; any other gets one by a hash of it).
pub fn path_marker(path: &str) -> Marker {
    const ALL: [Marker; 5] = [
        Marker::Circle,
        Marker::Square,
        Marker::Triangle,
        Marker::Diamond,
        Marker::Cross,
    ];
    match path {
        "baremetal" => Marker::Circle,
        "emulated" => Marker::Square,
        "virtio" => Marker::Triangle,
        "passthrough" => Marker::Diamond,
        "sriov" => Marker::Cross,
        other => ALL[(fnv1a(other) % ALL.len() as u64) as usize],
    }
}

/// A categorical palette (Paul Tol's "muted", ten colours, then repeating) for
/// stage segments and other series that are not I/O paths.
pub fn palette(i: usize) -> &'static str {
    const MUTED: [&str; 10] = [
        "#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255",
        "#AA4499", "#DDDDDD",
    ];
    MUTED[i % MUTED.len()]
}

/// How values map onto an axis.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scale {
    /// Evenly spaced values; ticks in 1-2-5 steps.
    #[default]
    Linear,
    /// Decades evenly spaced; values ≤ 0 are skipped.
    Log10,
    /// HdrHistogram's percentile axis: x = percentile in [0,100), plotted at
    /// log10(1/(1−p/100)); ticks labelled 0%, 90%, 99%, 99.9%, 99.99%,
    /// 99.999% (only as many as the data needs). Percentiles above 99.9999
    /// are drawn at 99.9999; negative ones are skipped.
    Percentile,
}

/// One line (in a [`LineChart`]) or one bar per group (in [`GroupedBars`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    /// Legend text, e.g. a path name.
    pub label: String,
    /// Stroke/fill colour, e.g. from [`path_colour`] (`#RRGGBB`).
    pub colour: String,
    /// (x, y) in the axes' units; non-finite points are skipped (a gap).
    pub points: Vec<(f64, f64)>,
    /// Optional error bar per point: its (low, high) ends in y units (a
    /// confidence interval, not necessarily symmetric), same length as
    /// points; a missing entry, a non-finite end or a bar of no height
    /// draws no bar.
    pub err: Option<Vec<(f64, f64)>>,
    /// Dashed line (or dashed bar outline), e.g. for a model or a bound.
    pub dashed: bool,
    /// The shape of its point markers (and of its legend swatch).
    pub marker: Marker,
}

impl Series {
    /// A solid series without error bars.
    pub fn new(
        label: impl Into<String>,
        colour: impl Into<String>,
        points: Vec<(f64, f64)>,
    ) -> Self {
        Series {
            label: label.into(),
            colour: colour.into(),
            points,
            err: None,
            dashed: false,
            marker: Marker::Circle,
        }
    }

    /// A series of I/O path `path`: its colour ([`path_colour`]) and its
    /// marker ([`path_marker`]).
    pub fn of_path(path: &str, label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            marker: path_marker(path),
            ..Series::new(label, path_colour(path), points)
        }
    }
}

/// A line chart; see [`line_chart`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LineChart {
    /// Chart title (also the SVG `<title>`).
    pub title: String,
    /// x axis label with unit, e.g. `"offered load [Gbit/s]"`.
    pub x_label: String,
    /// y axis label with unit, e.g. `"p99 latency [µs]"`.
    pub y_label: String,
    /// x axis scale (ignored when `x_categories` is set).
    pub x_scale: Scale,
    /// y axis scale.
    pub y_scale: Scale,
    /// The lines, drawn in order (later ones on top).
    pub series: Vec<Series>,
    /// Optional category labels for x (e.g. frame sizes incl. "IMIX"): when
    /// Some, x values are indices 0..n and ticks show these labels.
    pub x_categories: Option<Vec<String>>,
    /// Optional shaded vertical bands (x0, x1, label) in x units, e.g. an
    /// outage window; ±∞ reach the edge of the plot. Labelled bands are also
    /// listed in the legend.
    pub bands: Vec<(f64, f64, String)>,
}

/// Bars split into stacked segments; see [`stacked_bars`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StackedBars {
    /// Chart title (also the SVG `<title>`).
    pub title: String,
    /// y axis label with unit, e.g. `"host CPU [ns/packet]"`.
    pub y_label: String,
    /// x axis label, e.g. `"I/O path"`.
    pub x_label: String,
    /// One bar per category, e.g. path names.
    pub bars: Vec<String>,
    /// (segment label, colour, value per bar), stacked bottom to top in this
    /// order; negative, non-finite and missing values count as 0.
    pub segments: Vec<(String, String, Vec<f64>)>,
    /// Optional colour per bar for the bar label text (path colours).
    pub bar_colours: Option<Vec<String>>,
}

/// Groups of side-by-side bars; see [`grouped_bars`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GroupedBars {
    /// Chart title (also the SVG `<title>`).
    pub title: String,
    /// y axis label with unit.
    pub y_label: String,
    /// x axis label.
    pub x_label: String,
    /// One group per category, e.g. `"exits/packet"`, `"interrupts/packet"`.
    pub groups: Vec<String>,
    /// One series per path; `points[i].1` is the value in group `i` (x is
    /// ignored); `err`, when given, draws error bars.
    pub series: Vec<Series>,
}

/// A line chart as a complete `<svg …>…</svg>` element: one polyline per
/// series (with point markers when a series has few points), error bars when
/// a series has `err`, shaded bands behind the data. The y axis starts at 0
/// unless the data goes negative (linear) or is decade-aligned (log).
pub fn line_chart(c: &LineChart) -> String {
    let x_scale = if c.x_categories.is_some() {
        Scale::Linear
    } else {
        c.x_scale
    };
    let mut xe = Extent::default();
    let mut ye = Extent::default();
    // Per series, per point: None is a gap; Some((x, y, error bar (lo, hi))).
    let mut lines: Vec<Vec<Option<Pt>>> = Vec::with_capacity(c.series.len());
    for s in &c.series {
        let mut line = Vec::with_capacity(s.points.len());
        for (i, &(x, y)) in s.points.iter().enumerate() {
            let (Some(tx), Some(ty)) = (x_scale.to_axis(x), c.y_scale.to_axis(y)) else {
                line.push(None);
                continue;
            };
            let e = s.err.as_ref().and_then(|e| e.get(i)).copied();
            let bar = e
                .filter(|&(lo, hi)| lo.is_finite() && hi.is_finite() && lo < hi)
                .map(|(lo, hi)| error_span(c.y_scale, ty, lo, hi));
            xe.add(tx);
            ye.add(ty);
            if let Some((lo, hi)) = bar {
                if let Some(lo) = lo {
                    ye.add(lo);
                }
                ye.add(hi);
            }
            line.push(Some(Pt { x: tx, y: ty, bar }));
        }
        lines.push(line);
    }
    let any = lines.iter().flatten().any(Option::is_some);
    if c.x_categories.is_none() {
        for &(x0, x1, _) in &c.bands {
            for t in [x0, x1].into_iter().filter_map(|v| x_scale.to_axis(v)) {
                xe.add(t);
            }
        }
    }
    let x_axis = match &c.x_categories {
        Some(labels) => Axis::categories(labels),
        None => Axis::for_scale(x_scale, xe, false),
    };
    let y_axis = Axis::for_scale(c.y_scale, ye, true);

    // A series whose points are another's exactly hides behind it: the
    // legend says so, and the markers of the two are staggered (below).
    let same_as = |i: usize| -> Option<&str> {
        let s = &c.series[i];
        let shown = |p: &[(f64, f64)]| p.iter().any(|q| q.0.is_finite() && q.1.is_finite());
        if !shown(&s.points) {
            return None;
        }
        c.series[..i]
            .iter()
            .find(|o| o.points == s.points && o.dashed == s.dashed)
            .map(|o| o.label.as_str())
    };
    let mut legend: Vec<Entry> = (0..c.series.len())
        .map(|i| {
            let s = &c.series[i];
            Entry {
                label: match same_as(i) {
                    Some(o) => format!("{} (= {o})", s.label),
                    None => s.label.clone(),
                },
                colour: s.colour.clone(),
                swatch: Swatch::Line {
                    dashed: s.dashed,
                    marker: s.marker,
                },
            }
        })
        .collect();
    legend.extend(c.bands.iter().filter(|b| !b.2.is_empty()).map(|b| Entry {
        label: b.2.clone(),
        colour: String::new(),
        swatch: Swatch::Band,
    }));
    let x_ticks: Vec<XTick> = x_axis
        .ticks
        .iter()
        .map(|(t, label)| (*t, label.clone(), None))
        .collect();
    let l = Layout::new(&y_axis.ticks, &x_ticks, &legend);
    let fx = |t: f64| l.left + x_axis.frac(t) * (l.right - l.left);
    let fy = |t: f64| l.bottom - y_axis.frac(t) * (l.bottom - l.top);

    let mut out = String::with_capacity(8192);
    begin(&mut out, &c.title, &l);
    // Bands behind everything else.
    for (x0, x1, label) in &c.bands {
        let (Some(t0), Some(t1)) = (
            band_edge(*x0, x_scale, &x_axis),
            band_edge(*x1, x_scale, &x_axis),
        ) else {
            continue;
        };
        let (p0, p1) = (fx(t0.min(t1)), fx(t0.max(t1)));
        put!(
            out,
            "<g class=\"band\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#000000\" fill-opacity=\"0.08\"/>",
            n(p0),
            n(l.top),
            n((p1 - p0).max(1.0)),
            n(l.bottom - l.top)
        );
        if !label.is_empty() {
            put!(
                out,
                "<text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"#555555\">{}</text>",
                n(p0 + 3.0),
                n(l.top + 12.0),
                esc(label)
            );
        }
        out.push_str("</g>\n");
    }
    let (x_px, y_px) = to_pixels(&x_ticks, &y_axis, &fx, &fy);
    let zero = (c.y_scale == Scale::Linear && y_axis.lo < 0.0 && y_axis.hi > 0.0).then(|| fy(0.0));
    axes(
        &mut out, &l, &x_px, &y_px, true, zero, &c.x_label, &c.y_label,
    );

    let n_series = c.series.len().max(1);
    for (k, (s, line)) in c.series.iter().zip(&lines).enumerate() {
        let colour = esc(&s.colour);
        out.push_str("<g class=\"series\">");
        let mut d = String::new();
        let mut pen_down = false;
        for p in line {
            match p {
                Some(p) => {
                    put!(
                        d,
                        "{}{} {}",
                        if pen_down { 'L' } else { 'M' },
                        n(fx(p.x)),
                        n(fy(p.y))
                    );
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        if !d.is_empty() {
            put!(
                out,
                "<path d=\"{d}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.8\" stroke-linejoin=\"round\"{}/>",
                if s.dashed {
                    " stroke-dasharray=\"6 4\""
                } else {
                    ""
                }
            );
        }
        let mut bars = String::new();
        for p in line.iter().flatten() {
            if let Some((lo, hi)) = p.bar {
                let x = fx(p.x);
                error_bar(&mut bars, x, fy(lo.unwrap_or(y_axis.lo)), fy(hi));
            }
        }
        if !bars.is_empty() {
            put!(
                out,
                "<path class=\"err\" d=\"{bars}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1\"/>"
            );
        }
        // Markers, in the series' shape: every point of a short series;
        // of a long one about 12, each series starting at its own offset
        // so that lines lying on one another still show each one's marks;
        // isolated points always (a lone point has no line to show it).
        let count = line.iter().flatten().count();
        let every = if count <= 60 { 1 } else { count.div_ceil(12) };
        let phase = k * every / n_series;
        for (i, p) in line.iter().enumerate() {
            let Some(p) = p else { continue };
            let isolated = i.checked_sub(1).and_then(|j| line[j]).is_none()
                && line.get(i + 1).copied().flatten().is_none();
            if i % every == phase % every || isolated {
                out.push_str(&s.marker.svg(fx(p.x), fy(p.y), &colour));
            }
        }
        out.push_str("</g>\n");
    }
    finish(&mut out, &l, &legend, any);
    out
}

/// Stacked bars as a complete `<svg …>…</svg>` element: one bar per entry of
/// `bars`, each split into `segments` stacked bottom to top; each segment
/// carries a tooltip with its value. The y axis is linear from 0.
pub fn stacked_bars(c: &StackedBars) -> String {
    let value = |vals: &[f64], i: usize| {
        vals.get(i)
            .copied()
            .filter(|v| v.is_finite() && *v > 0.0)
            .map(|v| v.min(LIN_MAX))
    };
    let totals: Vec<f64> = (0..c.bars.len())
        .map(|i| {
            c.segments
                .iter()
                .filter_map(|(_, _, v)| value(v, i))
                .fold(0.0, |a: f64, v| (a + v).min(LIN_MAX))
        })
        .collect();
    let mut ye = Extent::default();
    totals.iter().for_each(|&t| ye.add(t));
    let any = totals.iter().any(|&t| t > 0.0);
    let x_axis = Axis::categories(&c.bars);
    let y_axis = Axis::for_scale(Scale::Linear, ye, true);
    let legend: Vec<Entry> = c
        .segments
        .iter()
        .map(|(label, colour, _)| Entry {
            label: label.clone(),
            colour: colour.clone(),
            swatch: Swatch::Box { dashed: false },
        })
        .collect();
    let x_ticks: Vec<XTick> = x_axis
        .ticks
        .iter()
        .enumerate()
        .map(|(i, (t, label))| {
            let colour = c.bar_colours.as_ref().and_then(|cs| cs.get(i)).cloned();
            (*t, label.clone(), colour)
        })
        .collect();
    let l = Layout::new(&y_axis.ticks, &x_ticks, &legend);
    let fx = |t: f64| l.left + x_axis.frac(t) * (l.right - l.left);
    let fy = |t: f64| l.bottom - y_axis.frac(t) * (l.bottom - l.top);
    let slot = (l.right - l.left) / c.bars.len().max(1) as f64;
    let bw = slot * 0.6;

    let mut out = String::with_capacity(8192);
    begin(&mut out, &c.title, &l);
    let (x_px, y_px) = to_pixels(&x_ticks, &y_axis, &fx, &fy);
    axes(
        &mut out, &l, &x_px, &y_px, false, None, &c.x_label, &c.y_label,
    );
    for (i, bar) in c.bars.iter().enumerate() {
        let cx = fx(i as f64);
        let mut cum = 0.0_f64;
        out.push_str("<g class=\"bar\">");
        for (label, colour, vals) in &c.segments {
            let Some(v) = value(vals, i) else { continue };
            let y0 = fy(cum);
            cum = (cum + v).min(LIN_MAX);
            let y1 = fy(cum);
            put!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}: {} = {}</title></rect>",
                n(cx - bw / 2.0),
                n(y1),
                n(bw),
                n((y0 - y1).max(0.0)),
                esc(colour),
                esc(bar),
                esc(label),
                fmt_sig(v)
            );
        }
        out.push_str("</g>\n");
    }
    finish(&mut out, &l, &legend, any);
    out
}

/// Grouped bars as a complete `<svg …>…</svg>` element: one group per entry
/// of `groups`, one bar per series inside each group (series colour, dashed
/// outline when `dashed`), error bars when a series has `err`, a tooltip with
/// each value. The y axis is linear from 0 unless the data goes negative.
pub fn grouped_bars(c: &GroupedBars) -> String {
    let ng = c.groups.len();
    let mut ye = Extent::default();
    // values[s][g] = (value, error bar (lo, hi)); None is no bar.
    let values: Vec<Vec<Option<BarValue>>> = c
        .series
        .iter()
        .map(|s| {
            (0..ng)
                .map(|g| {
                    let v = Scale::Linear.to_axis(s.points.get(g)?.1)?;
                    let e = s.err.as_ref().and_then(|e| e.get(g)).copied();
                    let bar = e
                        .filter(|&(lo, hi)| lo.is_finite() && hi.is_finite() && lo < hi)
                        .map(|(lo, hi)| {
                            (
                                lo.min(v).clamp(-LIN_MAX, LIN_MAX),
                                hi.max(v).clamp(-LIN_MAX, LIN_MAX),
                            )
                        });
                    ye.add(v);
                    if let Some((lo, hi)) = bar {
                        ye.add(lo);
                        ye.add(hi);
                    }
                    Some((v, bar))
                })
                .collect()
        })
        .collect();
    let any = values.iter().flatten().any(Option::is_some);
    let x_axis = Axis::categories(&c.groups);
    let y_axis = Axis::for_scale(Scale::Linear, ye, true);
    let legend: Vec<Entry> = c
        .series
        .iter()
        .map(|s| Entry {
            label: s.label.clone(),
            colour: s.colour.clone(),
            swatch: Swatch::Box { dashed: s.dashed },
        })
        .collect();
    let x_ticks: Vec<XTick> = x_axis
        .ticks
        .iter()
        .map(|(t, label)| (*t, label.clone(), None))
        .collect();
    let l = Layout::new(&y_axis.ticks, &x_ticks, &legend);
    let fx = |t: f64| l.left + x_axis.frac(t) * (l.right - l.left);
    let fy = |t: f64| l.bottom - y_axis.frac(t) * (l.bottom - l.top);
    let slot = (l.right - l.left) / ng.max(1) as f64;
    let group_w = slot * 0.8;
    let bw = group_w / c.series.len().max(1) as f64;

    let mut out = String::with_capacity(8192);
    begin(&mut out, &c.title, &l);
    let (x_px, y_px) = to_pixels(&x_ticks, &y_axis, &fx, &fy);
    let zero = (y_axis.lo < 0.0 && y_axis.hi > 0.0).then(|| fy(0.0));
    axes(
        &mut out, &l, &x_px, &y_px, false, zero, &c.x_label, &c.y_label,
    );
    let base = fy(0.0);
    for (si, (s, vals)) in c.series.iter().zip(&values).enumerate() {
        let colour = esc(&s.colour);
        out.push_str("<g class=\"series\">");
        let mut bars = String::new();
        for (g, v) in vals.iter().enumerate() {
            let Some((v, bar)) = *v else { continue };
            let x = fx(g as f64) - group_w / 2.0 + si as f64 * bw;
            let y = fy(v);
            let dash = if s.dashed {
                format!(" fill-opacity=\"0.45\" stroke=\"{colour}\" stroke-dasharray=\"4 2\"")
            } else {
                String::new()
            };
            put!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{colour}\"{dash}><title>{}: {} = {}</title></rect>",
                n(x + bw * 0.05),
                n(y.min(base)),
                n(bw * 0.9),
                n((y - base).abs()),
                esc(&s.label),
                esc(&c.groups[g]),
                fmt_sig(v)
            );
            if let Some((lo, hi)) = bar {
                error_bar(&mut bars, x + bw / 2.0, fy(lo), fy(hi));
            }
        }
        if !bars.is_empty() {
            put!(
                out,
                "<path class=\"err\" d=\"{bars}\" fill=\"none\" stroke=\"#333333\" stroke-width=\"1\"/>"
            );
        }
        out.push_str("</g>\n");
    }
    finish(&mut out, &l, &legend, any);
    out
}

/// A grouped bar's value and its error bar's ends, in y units.
type BarValue = (f64, Option<(f64, f64)>);

/// A point of a line chart in axis coordinates, with its error bar's ends
/// (the low end is None when the axis cannot show it: drawn to the axis).
#[derive(Clone, Copy, Debug)]
struct Pt {
    x: f64,
    y: f64,
    bar: Option<(Option<f64>, f64)>,
}

/// The ends of the error bar from `lo` to `hi` (y units) around a point at
/// `ty` (axis coordinates), in axis coordinates; the low end is None when
/// the axis cannot show it (≤ 0 on a log axis).
fn error_span(scale: Scale, ty: f64, lo: f64, hi: f64) -> (Option<f64>, f64) {
    let hi = scale.to_axis(hi).unwrap_or(ty).max(ty);
    (scale.to_axis(lo).map(|lo| lo.min(ty)), hi)
}

/// A vertical error bar with 6 px caps, appended to a path's `d`.
fn error_bar(d: &mut String, x: f64, y_lo: f64, y_hi: f64) {
    let (x, l, r) = (n(x), n(x - 3.0), n(x + 3.0));
    let (lo, hi) = (n(y_lo), n(y_hi));
    put!(d, "M{x} {lo}L{x} {hi}M{l} {lo}L{r} {lo}M{l} {hi}L{r} {hi}");
}

/// Where a band edge sits on the x axis: ±∞ at the plot's edges, a value the
/// axis cannot show (≤ 0 on a log axis) at its low end, NaN nowhere.
fn band_edge(v: f64, scale: Scale, axis: &Axis) -> Option<f64> {
    if v.is_nan() {
        None
    } else if v == f64::NEG_INFINITY {
        Some(axis.lo)
    } else if v == f64::INFINITY {
        Some(axis.hi)
    } else {
        Some(scale.to_axis(v).unwrap_or(axis.lo))
    }
}

impl Scale {
    /// `v` in axis coordinates (log10 for log axes), or None when the axis
    /// cannot show it.
    fn to_axis(self, v: f64) -> Option<f64> {
        if !v.is_finite() {
            return None;
        }
        match self {
            // Clamping keeps every span finite; flushing tiny magnitudes to 0
            // keeps tick steps normal floats.
            Scale::Linear if v.abs() < 1e-300 => Some(0.0),
            Scale::Linear => Some(v.clamp(-LIN_MAX, LIN_MAX)),
            Scale::Log10 => (v > 0.0).then(|| v.log10()),
            Scale::Percentile => (v >= 0.0).then(|| -(1.0 - v.min(PCT_MAX) / 100.0).log10()),
        }
    }
}

/// The range covered by the data, in axis coordinates.
#[derive(Clone, Copy, Debug, Default)]
struct Extent(Option<(f64, f64)>);

impl Extent {
    fn add(&mut self, t: f64) {
        if !t.is_finite() {
            return;
        }
        self.0 = Some(match self.0 {
            None => (t, t),
            Some((lo, hi)) => (lo.min(t), hi.max(t)),
        });
    }
}

/// An axis: its range and its ticks (position, label), in axis coordinates.
/// Always `lo < hi`, both finite.
#[derive(Clone, Debug)]
struct Axis {
    lo: f64,
    hi: f64,
    ticks: Vec<(f64, String)>,
}

impl Axis {
    /// Position of `t` as a fraction of the axis, clamped to [0, 1].
    fn frac(&self, t: f64) -> f64 {
        let f = (t - self.lo) / (self.hi - self.lo);
        if f.is_finite() {
            f.clamp(0.0, 1.0)
        } else {
            0.0
        }
    }

    fn for_scale(scale: Scale, e: Extent, include_zero: bool) -> Axis {
        match scale {
            Scale::Linear => Axis::linear(e, include_zero),
            Scale::Log10 => Axis::log(e),
            Scale::Percentile => Axis::percentile(e),
        }
    }

    /// Linear axis rounded out to a 1-2-5 step, about five intervals.
    fn linear(e: Extent, include_zero: bool) -> Axis {
        let (mut lo, mut hi) = e.0.unwrap_or((0.0, 1.0));
        if include_zero {
            lo = lo.min(0.0);
            hi = hi.max(0.0);
        }
        if hi - lo <= hi.abs().max(lo.abs()) * 1e-12 {
            if hi == 0.0 && lo == 0.0 {
                hi = 1.0;
            } else {
                let d = hi.abs().max(lo.abs()) * 0.1;
                lo -= d;
                hi += d;
                if include_zero {
                    lo = if lo < 0.0 && e.0.is_some_and(|(l, _)| l >= 0.0) {
                        0.0
                    } else {
                        lo
                    };
                    hi = if hi > 0.0 && e.0.is_some_and(|(_, h)| h <= 0.0) {
                        0.0
                    } else {
                        hi
                    };
                }
            }
        }
        let step = nice_step((hi - lo) / 5.0).unwrap_or(hi - lo);
        let (nlo, nhi) = ((lo / step).floor() * step, (hi / step).ceil() * step);
        let (lo, hi) = if nlo.is_finite() && nhi.is_finite() && nhi > nlo {
            (nlo, nhi)
        } else {
            (lo, hi)
        };
        let count = ((hi - lo) / step).round().clamp(0.0, 50.0) as usize;
        let ticks = (0..=count)
            .map(|i| {
                let t = lo + i as f64 * step;
                (t, fmt_tick(t, step))
            })
            .collect();
        Axis { lo, hi, ticks }
    }

    /// Decade-aligned log axis (coordinates are log10 of the values). With at
    /// most two decades, 2× and 5× ticks are added.
    fn log(e: Extent) -> Axis {
        let (lo, hi) =
            e.0.map_or((0.0, 1.0), |(a, b)| ((a + 1e-9).floor(), (b - 1e-9).ceil()));
        let hi = hi.max(lo + 1.0);
        let decades = hi - lo;
        let step = (decades / 8.0).ceil().max(1.0);
        let count = (decades / step).ceil();
        let hi = lo + count * step;
        let mut ticks: Vec<(f64, String)> = (0..=count as usize)
            .map(|i| {
                let k = lo + i as f64 * step;
                (k, pow10_label(1, k as i32))
            })
            .collect();
        if decades <= 2.0 {
            for k in lo as i32..hi as i32 {
                for m in [2u8, 5] {
                    ticks.push((k as f64 + f64::from(m).log10(), pow10_label(m, k)));
                }
            }
            ticks.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        Axis { lo, hi, ticks }
    }

    /// Percentile axis from 0% up to the first "nines" tick at or above the
    /// data (at least 90%, at most 99.9999%).
    fn percentile(e: Extent) -> Axis {
        let top =
            e.0.map_or(1.0, |(_, hi)| (hi - 1e-9).ceil())
                .clamp(1.0, 6.0);
        let ticks = (0..=top as usize)
            .map(|k| {
                let label = match k {
                    0 => "0%".to_owned(),
                    1 => "90%".to_owned(),
                    k => format!("99{}{}%", if k > 2 { "." } else { "" }, "9".repeat(k - 2)),
                };
                (k as f64, label)
            })
            .collect();
        Axis {
            lo: 0.0,
            hi: top,
            ticks,
        }
    }

    /// Category axis: category `i` at position `i`, half a slot of margin.
    fn categories(labels: &[String]) -> Axis {
        Axis {
            lo: -0.5,
            hi: labels.len().max(1) as f64 - 0.5,
            ticks: labels
                .iter()
                .enumerate()
                .map(|(i, s)| (i as f64, s.clone()))
                .collect(),
        }
    }
}

/// The 1, 2 or 5 × 10ᵏ at or above `raw` (> 0), or None when there is none.
fn nice_step(raw: f64) -> Option<f64> {
    if !(raw.is_finite() && raw > 0.0) {
        return None;
    }
    let base = 10f64.powf(raw.log10().floor());
    let m = raw / base;
    let nice = if m <= 1.0 + 1e-9 {
        1.0
    } else if m <= 2.0 + 1e-9 {
        2.0
    } else if m <= 5.0 + 1e-9 {
        5.0
    } else {
        10.0
    };
    let step = nice * base;
    (step.is_finite() && step > 0.0).then_some(step)
}

/// SI-style suffix for a magnitude in the plain (not scientific) range.
fn unit_for(a: f64) -> (f64, &'static str) {
    if a >= 1e12 {
        (1e12, "T")
    } else if a >= 1e9 {
        (1e9, "G")
    } else if a >= 1e6 {
        (1e6, "M")
    } else if a >= 1e3 {
        (1e3, "k")
    } else {
        (1.0, "")
    }
}

/// Whether `a` (> 0) is printed in scientific notation.
fn scientific(a: f64) -> bool {
    !(1e-4..1e15).contains(&a)
}

/// `v` in scientific notation with `d` mantissa decimals, zeros trimmed
/// (`1.5e-5`).
fn fmt_sci(v: f64, d: usize) -> String {
    let s = format!("{v:.d$e}");
    match s.split_once('e') {
        Some((m, e)) => format!("{}e{e}", trim(m.to_owned())),
        None => s,
    }
}

/// A linear tick label: compact (`1.5k`, `2M`, `0.25`), with just enough
/// decimals to tell ticks `step` apart.
fn fmt_tick(v: f64, step: f64) -> String {
    let a = v.abs();
    if !v.is_finite() || a < step * 1e-6 {
        return "0".to_owned();
    }
    let exp = |x: f64| (x.log10() + 1e-9).floor();
    if scientific(a) {
        let d = (exp(a) - exp(step)).clamp(0.0, 4.0) as usize;
        return fmt_sci(v, d);
    }
    let (unit, suffix) = unit_for(a);
    let d = (-exp(step / unit)).clamp(0.0, 6.0) as usize;
    let s = trim(format!("{:.d$}", v / unit));
    if s == "0" || s == "-0" {
        "0".to_owned()
    } else {
        format!("{s}{suffix}")
    }
}

/// `v` with three significant digits, compact (`1.5k`, `2M`, `0.25`, `1e-5`).
fn fmt_sig(v: f64) -> String {
    let a = v.abs();
    if !v.is_finite() || a == 0.0 {
        return "0".to_owned();
    }
    if scientific(a) {
        return fmt_sci(v, 2);
    }
    let (unit, suffix) = unit_for(a);
    let d = (2.0 - ((a / unit).log10() + 1e-9).floor()).clamp(0.0, 6.0) as usize;
    format!("{}{suffix}", trim(format!("{:.d$}", v / unit)))
}

/// Label of the log tick m × 10ᵏ.
fn pow10_label(m: u8, k: i32) -> String {
    if (-4..15).contains(&k) {
        fmt_sig(f64::from(m) * 10f64.powi(k))
    } else {
        format!("{m}e{k}")
    }
}

/// Drops trailing zeros after a decimal point (and the point itself).
fn trim(mut s: String) -> String {
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    s
}

/// A coordinate with at most two decimals; never `NaN`.
fn n(v: f64) -> String {
    if !v.is_finite() {
        return "0".to_owned();
    }
    let s = trim(format!("{v:.2}"));
    if s == "-0" {
        "0".to_owned()
    } else {
        s
    }
}

/// `s` escaped for XML text and attribute values; control characters (not
/// allowed in XML 1.0) are dropped, tabs and newlines become spaces.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            '\u{FFFE}' | '\u{FFFF}' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// 64-bit FNV-1a: a stable hash (std's hasher may change between releases).
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// An x tick: position, label, optional label colour.
type XTick = (f64, String, Option<String>);

/// Tick positions in data units → pixels, for [`axes`].
fn to_pixels(
    x_ticks: &[XTick],
    y_axis: &Axis,
    fx: &dyn Fn(f64) -> f64,
    fy: &dyn Fn(f64) -> f64,
) -> (Vec<XTick>, Vec<(f64, String)>) {
    let x = x_ticks
        .iter()
        .map(|(t, s, col)| (fx(*t), s.clone(), col.clone()))
        .collect();
    let y = y_axis
        .ticks
        .iter()
        .map(|(t, s)| (fy(*t), s.clone()))
        .collect();
    (x, y)
}

/// How a legend entry's swatch looks.
#[derive(Clone, Copy, Debug)]
enum Swatch {
    Line { dashed: bool, marker: Marker },
    Box { dashed: bool },
    Band,
}

/// One legend row.
#[derive(Clone, Debug)]
struct Entry {
    label: String,
    colour: String,
    swatch: Swatch,
}

/// Where everything goes [px].
#[derive(Clone, Copy, Debug)]
struct Layout {
    h: f64,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    legend_x: f64,
    legend_w: f64,
    rotate_x: bool,
}

impl Layout {
    fn new(y_ticks: &[(f64, String)], x_ticks: &[XTick], legend: &[Entry]) -> Layout {
        let chars = |s: &String| s.chars().count() as f64;
        let y_len = y_ticks.iter().map(|t| chars(&t.1)).fold(1.0, f64::max);
        let left = (34.0 + CHAR_W * y_len).max(56.0);
        let label_len = legend
            .iter()
            .map(|e| chars(&e.label).min(LEGEND_CHARS as f64 + 1.0))
            .fold(0.0, f64::max);
        let legend_w = (44.0 + CHAR_W * label_len).max(96.0);
        let legend_x = W - 10.0 - legend_w;
        let right = legend_x - 16.0;
        let x_len = x_ticks.iter().map(|t| chars(&t.1)).fold(0.0, f64::max);
        let slot = (right - left) / x_ticks.len().max(1) as f64;
        let rotate_x = x_len * CHAR_W > slot * 0.9;
        let extra = if rotate_x {
            (x_len * CHAR_W * 0.57).min(110.0)
        } else {
            0.0
        };
        let legend_h = 10.0 + ROW * legend.len().max(1) as f64;
        let h = (H_MIN + extra).max(TOP + legend_h + 16.0);
        Layout {
            h,
            left,
            right,
            top: TOP,
            bottom: h - 50.0 - extra,
            legend_x,
            legend_w,
            rotate_x,
        }
    }
}

/// Opens the `<svg>` and writes the accessible and the visible title.
fn begin(out: &mut String, title: &str, l: &Layout) {
    let t = esc(title);
    put!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\">\n<title>{t}</title>\n",
        w = n(W),
        h = n(l.h)
    );
    put!(
        out,
        "<rect width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n<text class=\"title\" x=\"{}\" y=\"26\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">{t}</text>\n",
        n(W),
        n(l.h),
        n(W / 2.0)
    );
}

/// Grid lines, axis lines, ticks, tick labels and axis labels. Tick positions
/// are in px; `zero` is the px of y = 0 when it lies inside the axis.
#[allow(clippy::too_many_arguments)]
fn axes(
    out: &mut String,
    l: &Layout,
    x_ticks: &[XTick],
    y_ticks: &[(f64, String)],
    x_grid: bool,
    zero: Option<f64>,
    x_label: &str,
    y_label: &str,
) {
    out.push_str("<g class=\"grid\" stroke=\"#e6e6e6\">");
    for (y, _) in y_ticks {
        put!(
            out,
            "<line x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\"/>",
            n(l.left),
            n(l.right),
            y = n(*y)
        );
    }
    if x_grid {
        for (x, _, _) in x_ticks {
            put!(
                out,
                "<line x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\"/>",
                n(l.top),
                n(l.bottom),
                x = n(*x)
            );
        }
    }
    out.push_str("</g>\n");
    if let Some(z) = zero {
        put!(
            out,
            "<line class=\"zero\" x1=\"{}\" y1=\"{z}\" x2=\"{}\" y2=\"{z}\" stroke=\"#999999\"/>\n",
            n(l.left),
            n(l.right),
            z = n(z)
        );
    }
    // x axis
    put!(
        out,
        "<g class=\"x-axis\"><line x1=\"{}\" y1=\"{b}\" x2=\"{}\" y2=\"{b}\" stroke=\"#333333\"/>",
        n(l.left),
        n(l.right),
        b = n(l.bottom)
    );
    for (x, label, colour) in x_ticks {
        let x = n(*x);
        let ty = n(l.bottom + 16.0);
        put!(
            out,
            "<line x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\" stroke=\"#333333\"/>",
            n(l.bottom),
            n(l.bottom + 5.0)
        );
        let fill = colour
            .as_ref()
            .map(|c| format!(" fill=\"{}\" font-weight=\"bold\"", esc(c)))
            .unwrap_or_default();
        if l.rotate_x {
            put!(
                out,
                "<text x=\"{x}\" y=\"{ty}\" text-anchor=\"end\" transform=\"rotate(-35 {x} {ty})\"{fill}>{}</text>",
                esc(label)
            );
        } else {
            put!(
                out,
                "<text x=\"{x}\" y=\"{ty}\" text-anchor=\"middle\"{fill}>{}</text>",
                esc(label)
            );
        }
    }
    out.push_str("</g>\n");
    // y axis
    put!(
        out,
        "<g class=\"y-axis\"><line x1=\"{a}\" y1=\"{}\" x2=\"{a}\" y2=\"{}\" stroke=\"#333333\"/>",
        n(l.top),
        n(l.bottom),
        a = n(l.left)
    );
    for (y, label) in y_ticks {
        let y = n(*y);
        put!(
            out,
            "<line x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#333333\"/><text x=\"{}\" y=\"{y}\" dy=\"0.32em\" text-anchor=\"end\">{}</text>",
            n(l.left - 5.0),
            n(l.left),
            n(l.left - 8.0),
            esc(label)
        );
    }
    out.push_str("</g>\n");
    put!(
        out,
        "<text class=\"x-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\">{}</text>\n",
        n((l.left + l.right) / 2.0),
        n(l.h - 12.0),
        esc(x_label)
    );
    put!(
        out,
        "<text class=\"y-label\" transform=\"translate(16 {}) rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">{}</text>\n",
        n((l.top + l.bottom) / 2.0),
        esc(y_label)
    );
}

/// The legend, the "no data" note when nothing was drawn, and `</svg>`.
fn finish(out: &mut String, l: &Layout, legend: &[Entry], any: bool) {
    let (x, y) = (l.legend_x, l.top);
    put!(
        out,
        "<g class=\"legend\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#ffffff\" stroke=\"#999999\"/>",
        n(x),
        n(y),
        n(l.legend_w),
        n(10.0 + ROW * legend.len().max(1) as f64)
    );
    if legend.is_empty() {
        put!(
            out,
            "<text x=\"{}\" y=\"{}\" dy=\"0.32em\" fill=\"#777777\">(no series)</text>",
            n(x + 10.0),
            n(y + 5.0 + ROW * 0.5)
        );
    }
    for (i, e) in legend.iter().enumerate() {
        let row = y + 5.0 + ROW * (i as f64 + 0.5);
        let colour = esc(&e.colour);
        match e.swatch {
            Swatch::Line { dashed, marker } => {
                put!(
                    out,
                    "<line x1=\"{}\" y1=\"{r}\" x2=\"{}\" y2=\"{r}\" stroke=\"{colour}\" stroke-width=\"2.5\"{}/>",
                    n(x + 8.0),
                    n(x + 32.0),
                    if dashed { " stroke-dasharray=\"6 4\"" } else { "" },
                    r = n(row)
                );
                out.push_str(&marker.svg(x + 20.0, row, &colour));
            }
            Swatch::Box { dashed } => put!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"20\" height=\"10\" fill=\"{colour}\"{}/>",
                n(x + 10.0),
                n(row - 5.0),
                if dashed {
                    format!(" fill-opacity=\"0.45\" stroke=\"{colour}\" stroke-dasharray=\"4 2\"")
                } else {
                    String::new()
                }
            ),
            Swatch::Band => put!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"20\" height=\"10\" fill=\"#000000\" fill-opacity=\"0.08\" stroke=\"#999999\"/>",
                n(x + 10.0),
                n(row - 5.0)
            ),
        }
        let full = esc(&e.label);
        let count = e.label.chars().count();
        put!(
            out,
            "<text x=\"{}\" y=\"{}\" dy=\"0.32em\">",
            n(x + 38.0),
            n(row)
        );
        if count > LEGEND_CHARS {
            let short: String = e.label.chars().take(LEGEND_CHARS - 1).collect();
            put!(out, "<title>{full}</title>{}…", esc(&short));
        } else {
            out.push_str(&full);
        }
        out.push_str("</text>");
    }
    out.push_str("</g>\n");
    if !any {
        put!(
            out,
            "<text class=\"no-data\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"14\" fill=\"#777777\">no data</text>\n",
            n((l.left + l.right) / 2.0),
            n((l.top + l.bottom) / 2.0)
        );
    }
    out.push_str("</svg>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny XML checker: tags balance, one root element, attribute quotes
    /// pair up, no raw `<`/`>` in text, every `&` starts a known entity.
    fn well_formed(s: &str) -> Result<(), String> {
        fn entities(s: &str) -> Result<(), String> {
            for (i, _) in s.match_indices('&') {
                let rest = &s[i + 1..];
                let ok = ["amp;", "lt;", "gt;", "quot;", "apos;"]
                    .iter()
                    .any(|e| rest.starts_with(e));
                if !ok {
                    return Err(format!("bad entity at {:?}", &s[i..s.len().min(i + 8)]));
                }
            }
            Ok(())
        }
        let mut stack: Vec<&str> = Vec::new();
        let mut roots = 0;
        let mut i = 0;
        while i < s.len() {
            let rest = &s[i..];
            if let Some(inner) = rest.strip_prefix('<') {
                let end = inner.find('>').ok_or("unclosed '<'")?;
                let tag = &inner[..end];
                if tag.contains('<') || tag.matches('"').count() % 2 != 0 {
                    return Err(format!("bad tag <{tag}>"));
                }
                entities(tag)?;
                if let Some(name) = tag.strip_prefix('/') {
                    let open = stack.pop().ok_or(format!("</{name}> without open"))?;
                    if open != name.trim() {
                        return Err(format!("<{open}> closed by </{name}>"));
                    }
                } else {
                    let name = tag.split_whitespace().next().unwrap_or("");
                    let name = name.trim_end_matches('/');
                    if name.is_empty() {
                        return Err("empty tag name".into());
                    }
                    if stack.is_empty() {
                        roots += 1;
                    }
                    if !tag.ends_with('/') {
                        stack.push(name);
                    }
                }
                i += end + 2;
            } else {
                let end = rest.find('<').unwrap_or(rest.len());
                let text = &rest[..end];
                if text.contains('>') {
                    return Err(format!("raw '>' in text {text:?}"));
                }
                if stack.is_empty() && !text.trim().is_empty() {
                    return Err(format!("text outside the root: {text:?}"));
                }
                entities(text)?;
                i += end;
            }
        }
        if !stack.is_empty() {
            return Err(format!("unclosed {stack:?}"));
        }
        if roots != 1 {
            return Err(format!("{roots} root elements"));
        }
        Ok(())
    }

    /// Everything every chart must have.
    fn check(svg: &str) {
        if let Err(e) = well_formed(svg) {
            panic!("{e}\n{svg}");
        }
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert_eq!(svg.matches("http").count(), 1, "no URL but the namespace");
        for part in [
            "viewBox=\"0 0 ",
            "width=\"720\"",
            "<title>",
            "class=\"title\"",
            "class=\"x-label\"",
            "class=\"y-label\"",
            "class=\"legend\"",
            "class=\"x-axis\"",
            "class=\"y-axis\"",
        ] {
            assert!(svg.contains(part), "missing {part}\n{svg}");
        }
        for bad in ["NaN", "inf", "<script", "href", "@import"] {
            assert!(!svg.contains(bad), "contains {bad}\n{svg}");
        }
    }

    /// The text of the legend group.
    fn legend(svg: &str) -> &str {
        let start = svg.find("<g class=\"legend\">").expect("legend");
        let len = svg[start..].find("</g>").expect("legend end");
        &svg[start..start + len]
    }

    /// The labels of all tick texts (`>label</text>`).
    fn texts(svg: &str) -> Vec<String> {
        svg.split("</text>")
            .filter_map(|s| s.rsplit_once('>').map(|(_, t)| t.to_owned()))
            .collect()
    }

    fn latency_chart() -> LineChart {
        let pct = |path: &str, scale: f64| {
            let mut s = Series::new(
                path,
                path_colour(path),
                vec![
                    (0.0, 10.0 * scale),
                    (50.0, 12.0 * scale),
                    (90.0, 15.0 * scale),
                    (99.0, 20.0 * scale),
                    (99.9, 40.0 * scale),
                ],
            );
            s.err = Some(
                s.points
                    .iter()
                    .zip([0.0, 0.5, 1.0, 2.0, 5.0])
                    .map(|(&(_, y), e)| (y - e, y + e))
                    .collect(),
            );
            s
        };
        LineChart {
            title: "Latency distribution".into(),
            x_label: "percentile".into(),
            y_label: "latency [µs]".into(),
            x_scale: Scale::Percentile,
            y_scale: Scale::Log10,
            series: vec![pct("virtio", 3.0), pct("sriov", 1.0)],
            ..LineChart::default()
        }
    }

    fn cpu_bars() -> StackedBars {
        StackedBars {
            title: "Host CPU per packet".into(),
            y_label: "CPU [ns/packet]".into(),
            x_label: "I/O path".into(),
            bars: vec!["emulated".into(), "virtio".into(), "sriov".into()],
            segments: vec![
                ("exit".into(), palette(0).into(), vec![1500.0, 200.0, 0.0]),
                ("vhost".into(), palette(1).into(), vec![300.0, 700.0, 10.0]),
                ("copy".into(), palette(2).into(), vec![400.0, 350.0, 5.0]),
            ],
            bar_colours: Some(vec![
                path_colour("emulated").into(),
                path_colour("virtio").into(),
                path_colour("sriov").into(),
            ]),
        }
    }

    fn exit_bars() -> GroupedBars {
        let s = |path: &str, a: f64, b: f64| {
            let mut s = Series::new(path, path_colour(path), vec![(0.0, a), (1.0, b)]);
            s.err = Some(vec![(a * 0.9, a * 1.1), (b * 0.9, b * 1.1)]);
            s
        };
        GroupedBars {
            title: "Exits and interrupts".into(),
            y_label: "events per packet [1]".into(),
            x_label: "counter".into(),
            groups: vec!["exits/packet".into(), "interrupts/packet".into()],
            series: vec![
                s("emulated", 4.0, 1.0),
                s("virtio", 0.25, 0.5),
                s("passthrough", 0.0, 0.02),
            ],
        }
    }

    #[test]
    fn every_chart_kind_is_well_formed_and_complete() {
        let line = line_chart(&latency_chart());
        let stacked = stacked_bars(&cpu_bars());
        let grouped = grouped_bars(&exit_bars());
        for svg in [&line, &stacked, &grouped] {
            check(svg);
            assert!(!svg.contains("no data"));
        }
        assert!(line.contains("class=\"err\""), "error bars drawn");
        assert!(grouped.contains("class=\"err\""), "error bars drawn");
        assert!(stacked.contains("fill=\"#0072B2\" font-weight=\"bold\">virtio<"));
    }

    #[test]
    fn legend_lists_every_series_and_segment() {
        let c = latency_chart();
        let svg = line_chart(&c);
        for s in &c.series {
            assert!(legend(&svg).contains(&s.label), "{}", s.label);
        }
        let c = cpu_bars();
        let svg = stacked_bars(&c);
        for (label, colour, _) in &c.segments {
            assert!(legend(&svg).contains(label.as_str()));
            assert!(legend(&svg).contains(colour.as_str()));
        }
        let c = exit_bars();
        let svg = grouped_bars(&c);
        for s in &c.series {
            assert!(legend(&svg).contains(&s.label));
        }
        // A long label is shortened on screen but kept whole in a tooltip.
        let long = "x".repeat(LEGEND_CHARS + 10);
        let svg = line_chart(&LineChart {
            series: vec![Series::new(long.clone(), "#000000", vec![(1.0, 1.0)])],
            ..LineChart::default()
        });
        check(&svg);
        assert!(legend(&svg).contains(&format!("<title>{long}</title>")));
    }

    #[test]
    fn text_is_escaped() {
        let nasty = "a<b & \"c\" 'd'>";
        let escaped = "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;";
        let mut c = latency_chart();
        c.title = nasty.into();
        c.x_label = nasty.into();
        c.y_label = nasty.into();
        c.series[0].label = nasty.into();
        c.series[0].colour = "\"><script>".into();
        c.bands = vec![(10.0, 20.0, nasty.into())];
        let svg = line_chart(&c);
        check(&svg);
        assert!(!svg.contains(nasty));
        assert!(svg.matches(escaped).count() >= 6, "{svg}");
        let mut b = cpu_bars();
        b.title = nasty.into();
        b.bars[0] = nasty.into();
        b.segments[0].0 = nasty.into();
        check(&stacked_bars(&b));
        let mut g = exit_bars();
        g.groups[0] = nasty.into();
        g.series[0].label = "tab\tand\u{0}nul".into();
        let svg = grouped_bars(&g);
        check(&svg);
        assert!(svg.contains("tab andnul"));
    }

    #[test]
    fn bad_numbers_are_skipped_never_printed() {
        let bad = vec![
            (f64::NAN, 1.0),
            (1.0, f64::NAN),
            (2.0, f64::INFINITY),
            (f64::NEG_INFINITY, 3.0),
            (3.0, -5.0),
            (4.0, 0.0),
            (5.0, 7.0),
        ];
        for (xs, ys) in [
            (Scale::Linear, Scale::Linear),
            (Scale::Log10, Scale::Log10),
            (Scale::Percentile, Scale::Log10),
            (Scale::Linear, Scale::Percentile),
        ] {
            let mut s = Series::new("bad", "#000000", bad.clone());
            s.err = Some(vec![
                (f64::NAN, 1.0),
                (1.0, 3.0),
                (f64::NEG_INFINITY, f64::INFINITY),
                (2.0, -2.0),
                (-1e308, 1e308),
                (-100.0, 100.0),
            ]);
            let svg = line_chart(&LineChart {
                title: "bad".into(),
                x_scale: xs,
                y_scale: ys,
                series: vec![s],
                bands: vec![
                    (f64::NAN, 1.0, "nan".into()),
                    (-1.0, f64::INFINITY, "open".into()),
                ],
                ..LineChart::default()
            });
            check(&svg);
        }
        let mut b = cpu_bars();
        b.segments[0].2 = vec![f64::NAN, f64::INFINITY, -1.0];
        b.segments[1].2 = vec![1e308, 1e308];
        check(&stacked_bars(&b));
        let mut g = exit_bars();
        g.series[0].points = vec![(0.0, f64::NAN), (0.0, f64::NEG_INFINITY)];
        g.series[1].err = Some(vec![(f64::NAN, f64::NAN)]);
        g.series[2].points = vec![(0.0, -1e308), (0.0, 1e308)];
        g.series[2].err = Some(vec![(-1e308, 1e308), (0.0, f64::INFINITY)]);
        check(&grouped_bars(&g));
    }

    #[test]
    fn each_path_has_its_marker_and_equal_lines_say_so_and_stagger_their_marks() {
        // Two paths with the same 200 points (bare metal under SR-IOV in a
        // percentile chart), one with others.
        let pts: Vec<(f64, f64)> = (0..200).map(|i| (i as f64, 10.0 + i as f64)).collect();
        let other: Vec<(f64, f64)> = pts.iter().map(|&(x, y)| (x, y * 2.0)).collect();
        let chart = LineChart {
            title: "t".into(),
            series: vec![
                Series::of_path("baremetal", "baremetal", pts.clone()),
                Series::of_path("sriov", "sriov", pts),
                Series::of_path("emulated", "emulated", other),
            ],
            ..LineChart::default()
        };
        let svg = line_chart(&chart);
        check(&svg);
        assert!(
            svg.contains("sriov (= baremetal)"),
            "the legend says they are equal"
        );
        assert!(!svg.contains("emulated (="));
        // Each series' group: its markers, in its own shape, about 12 of
        // 200, at x positions the other equal series does not use.
        let groups: Vec<&str> = svg.split("<g class=\"series\">").skip(1).collect();
        let marks = |g: &str, tag: &str| g.matches(tag).count();
        assert!(
            (10..=20).contains(&marks(groups[0], "<circle")),
            "{}",
            marks(groups[0], "<circle")
        );
        assert_eq!(marks(groups[1], "<circle"), 0);
        assert!(marks(groups[2], "<rect") >= 10, "emulated's squares");
        let xs = |g: &str, key: &str| -> Vec<String> {
            g.match_indices(key)
                .map(|(i, _)| g[i + key.len()..].split('"').next().unwrap().to_owned())
                .collect()
        };
        // Circles' centres against the crosses' centres (a cross's path has
        // two strokes, "M x−3 …L…M…"; the line's has one M).
        let a: Vec<f64> = xs(groups[0], "<circle cx=\"")
            .iter()
            .map(|x| x.parse().unwrap())
            .collect();
        let b: Vec<f64> = xs(groups[1], "<path d=\"M")
            .iter()
            .filter(|d| d.contains('M'))
            .map(|d| d.split(' ').next().unwrap().parse::<f64>().unwrap() + 3.0)
            .collect();
        assert!(a.len() >= 10 && b.len() >= 10, "{a:?} {b:?}");
        assert!(
            a.iter().all(|x| b.iter().all(|y| (x - y).abs() > 1.0)),
            "staggered: {a:?} {b:?}"
        );
        assert_eq!(path_marker("sriov"), Marker::Cross);
        assert_eq!(path_marker("virtio"), Marker::Triangle);
    }

    #[test]
    fn edge_cases_do_not_panic() {
        let cases: Vec<Vec<(f64, f64)>> = vec![
            vec![],
            vec![(1.0, 2.0)],
            vec![(0.0, 0.0), (1.0, 0.0), (2.0, 0.0)],
            vec![(5.0, -3.0), (5.0, -3.0)],
            vec![(1e-300, 1e-300), (1e300, 1e300)],
            vec![(-1e308, -1e308), (1e308, 1e308)],
            vec![(1e16, 1e16), (1e16 + 2.0, 1e16 + 2.0)],
            vec![(f64::MIN_POSITIVE, 5e-324), (1.0, f64::MAX)],
            vec![(0.0, 1e-5), (1.0, 3e-5)],
        ];
        for points in cases {
            for (xs, ys) in [
                (Scale::Linear, Scale::Linear),
                (Scale::Log10, Scale::Log10),
                (Scale::Percentile, Scale::Linear),
            ] {
                let mut s = Series::new("s", "#000000", points.clone());
                s.err = Some(points.iter().map(|&(_, y)| (y - 1.0, y + 1.0)).collect());
                let svg = line_chart(&LineChart {
                    title: "edge".into(),
                    x_scale: xs,
                    y_scale: ys,
                    series: vec![s.clone()],
                    ..LineChart::default()
                });
                check(&svg);
                check(&grouped_bars(&GroupedBars {
                    groups: vec!["g".into(); points.len()],
                    series: vec![s],
                    ..GroupedBars::default()
                }));
            }
        }
        let cats = LineChart {
            x_categories: Some(vec![]),
            series: vec![Series::new("s", "#000000", vec![(3.0, 1.0)])],
            ..LineChart::default()
        };
        check(&line_chart(&cats));
    }

    #[test]
    fn empty_charts_say_no_data_and_keep_their_frame() {
        let line = line_chart(&LineChart {
            title: "Empty".into(),
            ..LineChart::default()
        });
        let stacked = stacked_bars(&StackedBars {
            title: "Empty".into(),
            ..StackedBars::default()
        });
        let grouped = grouped_bars(&GroupedBars {
            title: "Empty".into(),
            ..GroupedBars::default()
        });
        let zeros = stacked_bars(&StackedBars {
            bars: vec!["a".into()],
            segments: vec![("s".into(), palette(0).into(), vec![0.0])],
            ..StackedBars::default()
        });
        for svg in [&line, &stacked, &grouped, &zeros] {
            check(svg);
            assert!(svg.contains(">no data<"), "{svg}");
        }
    }

    #[test]
    fn output_is_deterministic() {
        assert_eq!(line_chart(&latency_chart()), line_chart(&latency_chart()));
        assert_eq!(stacked_bars(&cpu_bars()), stacked_bars(&cpu_bars()));
        assert_eq!(grouped_bars(&exit_bars()), grouped_bars(&exit_bars()));
    }

    #[test]
    fn percentile_axis_has_the_nines_the_data_needs() {
        let labels = texts(&line_chart(&latency_chart()));
        for want in ["0%", "90%", "99%", "99.9%"] {
            assert!(labels.iter().any(|l| l == want), "{want} in {labels:?}");
        }
        assert!(!labels.iter().any(|l| l == "99.99%"), "{labels:?}");
        // 100 is clamped to 99.9999 and stays finite.
        let mut c = latency_chart();
        c.series[0].points.push((100.0, 50.0));
        let svg = line_chart(&c);
        check(&svg);
        assert!(texts(&svg).iter().any(|l| l == "99.9999%"));
    }

    #[test]
    fn axes_use_nice_ticks_and_compact_labels() {
        let a = Axis::linear(Extent(Some((3.0, 97.0))), true);
        let labels: Vec<&str> = a.ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(labels, ["0", "20", "40", "60", "80", "100"]);
        let a = Axis::linear(Extent(Some((-0.3, 1.3))), true);
        assert_eq!(a.ticks.first().map(|t| t.1.as_str()), Some("-0.5"));
        let a = Axis::log(Extent(Some((0.5, 5.2))));
        let labels: Vec<&str> = a.ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(labels, ["1", "10", "100", "1k", "10k", "100k", "1M"]);
        assert_eq!(fmt_tick(1500.0, 500.0), "1.5k");
        assert_eq!(fmt_tick(2e6, 1e6), "2M");
        assert_eq!(fmt_tick(0.25, 0.05), "0.25");
        assert_eq!(fmt_tick(-1e-17, 0.1), "0");
        assert_eq!(fmt_tick(1.5e-5, 5e-6), "1.5e-5");
        assert_eq!(fmt_sig(1234.0), "1.23k");
        assert_eq!(fmt_sig(0.25), "0.25");
        assert_eq!(pow10_label(1, 20), "1e20");
        assert_eq!(n(-0.001), "0");
        assert_eq!(n(12.345_678), "12.35");
    }

    #[test]
    fn categories_and_bands() {
        let sizes = ["64", "128", "256", "512", "1024", "1518", "IMIX"];
        let c = LineChart {
            title: "Throughput by frame size".into(),
            x_label: "frame size [bytes]".into(),
            y_label: "throughput [Mpps]".into(),
            series: vec![Series::new(
                "virtio",
                path_colour("virtio"),
                (0..7).map(|i| (i as f64, 10.0 - i as f64)).collect(),
            )],
            x_categories: Some(sizes.iter().map(|s| s.to_string()).collect()),
            bands: vec![(1.5, 2.5, "outage".into())],
            ..LineChart::default()
        };
        let svg = line_chart(&c);
        check(&svg);
        let labels = texts(&svg);
        for s in sizes {
            assert!(labels.iter().any(|l| l == s), "{s}");
        }
        assert!(svg.contains("class=\"band\""));
        assert!(legend(&svg).contains("outage"));
    }

    #[test]
    fn path_colours_are_fixed_and_distinct() {
        let paths = ["baremetal", "emulated", "virtio", "passthrough", "sriov"];
        let colours: Vec<&str> = paths.iter().map(|p| path_colour(p)).collect();
        for (i, a) in colours.iter().enumerate() {
            assert_eq!(*a, path_colour(paths[i]));
            for b in &colours[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(path_colour("other"), path_colour("other"));
        assert!(!colours.contains(&path_colour("other")));
        assert_ne!(palette(0), palette(1));
        assert_eq!(palette(0), palette(10));
    }
}
