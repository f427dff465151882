//! `ratios.svg`: one panel per bitcode level, a group of bars per benchmark, one bar per engine:
//! its median time divided by native's, on a log scale with a line at 1 (as fast as native).
//! A failed cell is a red `x` where its bar would be.

use std::path::Path;

use anyhow::Context as _;
use plotters::prelude::*;

use crate::engines::Engine;
use crate::results::Results;
use crate::suite::Level;

const WIDTH: u32 = 1600;
const PANEL_HEIGHT: u32 = 560;

/// Colours of the engines after native, in column order (Okabe-Ito, readable for colour blindness).
const COLOURS: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(240, 228, 66),
    RGBColor(0, 0, 0),
];

/// Draws the chart into `path`.
pub fn draw(r: &Results, path: &Path) -> anyhow::Result<()> {
    let levels = &r.settings.levels;
    let height = PANEL_HEIGHT * levels.len().max(1) as u32 + 40;
    let root = SVGBackend::new(path, (WIDTH, height)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_error)?;
    let title = format!(
        "irjit benchmarks: time / native (log scale, lower is better, x = failed), {} {}{}",
        r.machine.date,
        r.machine.hostname,
        if r.mode == "quick" { ", QUICK RUN" } else { "" }
    );
    let root = root
        .titled(&title, ("sans-serif", 24))
        .map_err(plot_error)?;
    let engines: Vec<&Engine> = r.ran().filter(|e| !e.is_native()).collect();
    let panels = root.split_evenly((levels.len().max(1), 1));
    for (panel, &level) in panels.iter().zip(levels) {
        draw_panel(r, panel, level, &engines)?;
    }
    root.present().map_err(plot_error)?;
    Ok(())
}

fn draw_panel(
    r: &Results,
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    level: Level,
    engines: &[&Engine],
) -> anyhow::Result<()> {
    let benchmarks: Vec<&str> = r.benchmarks.iter().map(|b| b.name.as_str()).collect();
    let mut bars = Vec::new(); // (benchmark index, engine index, ratio or None when failed)
    for (b, bench) in benchmarks.iter().enumerate() {
        for (e, engine) in engines.iter().enumerate() {
            if let Some(cell) = r.cell(bench, level, engine) {
                bars.push((
                    b,
                    e,
                    r.ratios(bench, level, engine)
                        .0
                        .filter(|_| cell.failure().is_none()),
                ));
            }
        }
    }
    let ratios = bars.iter().filter_map(|&(_, _, x)| x);
    let (lo, hi) = ratios.fold((1.0f64, 1.0f64), |(lo, hi), x| (lo.min(x), hi.max(x)));
    let (lo, hi) = (lo / 1.5, hi * 1.5);

    // Benchmark b is centred on x = b, so the mesh's integer key points label the groups.
    let n = benchmarks.len().max(1);
    let mut chart = ChartBuilder::on(area)
        .caption(format!("{} bitcode", level.flag()), ("sans-serif", 20))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5..n as f64 - 0.5, (lo..hi).log_scale())
        .map_err(plot_error)?;
    let name_of = |x: &f64| {
        let b = x.round();
        let exact = (x - b).abs() < 1e-6 && b >= 0.0;
        exact
            .then(|| benchmarks.get(b as usize))
            .flatten()
            .map_or(String::new(), |name| name.to_string())
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n)
        .x_label_formatter(&name_of)
        .y_labels(30)
        .bold_line_style(BLACK.mix(0.15))
        .light_line_style(TRANSPARENT)
        .y_desc("time / native")
        .y_label_formatter(&|y| tick_label(*y))
        .label_style(("sans-serif", 14))
        .x_label_style(("sans-serif", 15))
        .draw()
        .map_err(plot_error)?;

    let group = 0.8; // of each benchmark's width; the rest separates groups
    let width = group / engines.len().max(1) as f64;
    for (e, engine) in engines.iter().enumerate() {
        let colour = COLOURS[e % COLOURS.len()];
        let left = |b: usize| b as f64 - group / 2.0 + e as f64 * width;
        chart
            .draw_series(
                bars.iter()
                    .filter(|&&(_, be, x)| be == e && x.is_some())
                    .map(|&(b, _, x)| {
                        Rectangle::new(
                            [(left(b), lo), (left(b) + width * 0.9, x.unwrap_or(lo))],
                            colour.filled(),
                        )
                    }),
            )
            .map_err(plot_error)?
            .label(engine.name.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], colour.filled()));
        chart
            .draw_series(
                bars.iter()
                    .filter(|&&(_, be, x)| be == e && x.is_none())
                    .map(|&(b, _, _)| {
                        Text::new(
                            "x",
                            (left(b) + width * 0.2, lo * (hi / lo).powf(0.04)),
                            ("sans-serif", 16).into_font().color(&RED),
                        )
                    }),
            )
            .map_err(plot_error)?;
    }
    chart
        .draw_series(LineSeries::new(
            [(-0.5, 1.0), (n as f64 - 0.5, 1.0)],
            BLACK.stroke_width(2),
        ))
        .map_err(plot_error)?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(plot_error)?;
    Ok(())
}

/// `×2`, `×0.5`, `×20` for ticks of mantissa 1, 2 or 5; nothing for the others, which would
/// crowd the axis where the log scale compresses.
fn tick_label(y: f64) -> String {
    let mantissa = y / 10f64.powf(y.log10().floor());
    let shown = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .any(|m| (mantissa - m).abs() < 1e-6);
    if shown {
        format!("×{}", trim_number(y))
    } else {
        String::new()
    }
}

/// `2`, `0.5`, `20`: a tick value without float noise.
fn trim_number(y: f64) -> String {
    let text = format!("{y:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn plot_error<E: std::error::Error + Send + Sync + 'static>(
    e: DrawingAreaErrorKind<E>,
) -> anyhow::Error {
    anyhow::anyhow!("{e}").context("failed to draw the chart")
}

/// Writes the chart, with the path in the error.
pub fn write(r: &Results, path: &Path) -> anyhow::Result<()> {
    draw(r, path).with_context(|| format!("failed to write {}", path.display()))
}
