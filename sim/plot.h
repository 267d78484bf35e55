// Line charts rendered as PNG images, such as the performance per round per
// organisation chart that `orcsim run --report DIR` writes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace orc::sim {

// One line of a chart: its legend name and its (x, y) points, which should
// have ascending x. Points are connected in the given order. A point with a
// NaN or infinite coordinate is skipped, and the line joins the finite points
// on either side of it.
struct PlotSeries {
  std::string name;
  std::vector<std::pair<double, double>> points;
};

// Texts and size of a chart. Width and height are in pixels. Empty texts are
// left out of the image. Characters outside printable ASCII are drawn as '?'.
struct PlotOptions {
  std::string title;
  std::string x_label;
  std::string y_label;
  int width = 800;
  int height = 500;
};

// Limits of PlotOptions::width and PlotOptions::height, in pixels. Below the
// minimum, the axes, legend and labels no longer fit side by side.
inline constexpr int kMinPlotWidth = 240;
inline constexpr int kMinPlotHeight = 160;
inline constexpr int kMaxPlotSize = 4096;

// An 8-bit sRGB colour.
struct PlotColor {
  std::uint8_t red = 0;
  std::uint8_t green = 0;
  std::uint8_t blue = 0;

  friend bool operator==(const PlotColor&, const PlotColor&) = default;
};

// Number of colours in the series palette. Series i is drawn in colour
// i % kPlotPaletteSize, and its marker shape (circle, square, triangle,
// diamond) changes every kPlotPaletteSize series, so that the first 40 series
// all differ in colour or marker.
inline constexpr std::size_t kPlotPaletteSize = 10;

// Returns the line and marker colour of the series at `series_index`.
PlotColor PlotSeriesColor(std::size_t series_index);

// Renders the series as a line chart and returns the PNG bytes.
//
// The chart has the title, axes with numeric tick labels and grid lines, one
// line per series with a marker at each point, and a legend with the series
// names on the right. The legend has at most 12 rows, fewer when the image is
// short, and its last row reads "+N more" when not all series fit. Long names
// end in "...". On an image too narrow for both the legend and very long
// tick labels, the legend is left out. Axis ranges cover all finite points.
// When there is no finite point, the chart shows empty axes and "no data".
//
// Equal inputs give equal bytes with the same zlib version. Throws
// std::invalid_argument when the width is outside [kMinPlotWidth,
// kMaxPlotSize] or the height is outside [kMinPlotHeight, kMaxPlotSize].
std::string RenderLinePlotPng(const std::vector<PlotSeries>& series, const PlotOptions& options);

// Renders the chart as RenderLinePlotPng does and writes it to `path`,
// replacing any existing file. Returns false and sets `error` (when not null)
// when the options are invalid or the file cannot be written. A partly
// written file is removed.
bool WriteLinePlotPng(const std::string& path, const std::vector<PlotSeries>& series,
                      const PlotOptions& options, std::string* error);

}  // namespace orc::sim
