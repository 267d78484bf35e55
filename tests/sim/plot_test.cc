#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/plot.h"
#include "sim/png.h"

namespace orc::sim {
namespace {

// ---------------------------------------------------------------------------
// A minimal PNG reader for 8-bit RGB files. It shares no code with the
// encoder, so the tests check the file format, not the encoder against itself.
// ---------------------------------------------------------------------------

constexpr std::string_view kPngSignature("\x89PNG\r\n\x1a\n", 8);

struct PngChunk {
  std::string type;
  std::string data;
};

struct DecodedImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgb;
  std::vector<int> row_filters;  // filter type of each row, top row first

  PlotColor At(int x, int y) const {
    const std::size_t offset = (static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                                static_cast<std::size_t>(x)) * 3;
    return {rgb[offset], rgb[offset + 1], rgb[offset + 2]};
  }
};

std::uint32_t ReadUint32BigEndian(std::string_view bytes, std::size_t offset) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[offset + i]);
  }
  return value;
}

// Splits a PNG file into its chunks. Records a test failure and returns
// nullopt when the signature, a chunk length or a chunk CRC is invalid.
std::optional<std::vector<PngChunk>> SplitChunks(std::string_view png) {
  if (png.substr(0, kPngSignature.size()) != kPngSignature) {
    ADD_FAILURE() << "PNG signature is missing";
    return std::nullopt;
  }
  std::vector<PngChunk> chunks;
  std::size_t offset = kPngSignature.size();
  while (offset < png.size()) {
    if (png.size() - offset < 12) {
      ADD_FAILURE() << "truncated chunk header at byte " << offset;
      return std::nullopt;
    }
    const std::uint32_t length = ReadUint32BigEndian(png, offset);
    if (png.size() - offset - 12 < length) {
      ADD_FAILURE() << "chunk length " << length << " at byte " << offset << " runs past the end of the file";
      return std::nullopt;
    }
    const std::string_view type_and_data = png.substr(offset + 4, 4 + length);
    const std::uint32_t stored_crc = ReadUint32BigEndian(png, offset + 8 + length);
    const auto computed_crc = static_cast<std::uint32_t>(
        crc32(0L, reinterpret_cast<const Bytef*>(type_and_data.data()), static_cast<uInt>(type_and_data.size())));
    if (stored_crc != computed_crc) {
      ADD_FAILURE() << "CRC mismatch in chunk " << type_and_data.substr(0, 4) << " at byte " << offset;
      return std::nullopt;
    }
    chunks.push_back({std::string(type_and_data.substr(0, 4)), std::string(type_and_data.substr(4))});
    offset += 12 + length;
  }
  return chunks;
}

int PaethPredictor(int left, int above, int upper_left) {
  const int estimate = left + above - upper_left;
  const int to_left = std::abs(estimate - left);
  const int to_above = std::abs(estimate - above);
  const int to_upper_left = std::abs(estimate - upper_left);
  if (to_left <= to_above && to_left <= to_upper_left) {
    return left;
  }
  return to_above <= to_upper_left ? above : upper_left;
}

// Reverses the five PNG filter types on decompressed scanlines.
std::optional<std::vector<std::uint8_t>> Unfilter(const std::vector<std::uint8_t>& scanlines, int width,
                                                  int height) {
  const std::size_t stride = static_cast<std::size_t>(width) * 3;
  std::vector<std::uint8_t> rgb(stride * static_cast<std::size_t>(height));
  for (std::size_t y = 0; y < static_cast<std::size_t>(height); ++y) {
    const std::uint8_t filter = scanlines[y * (stride + 1)];
    const std::uint8_t* in = scanlines.data() + y * (stride + 1) + 1;
    std::uint8_t* out = rgb.data() + y * stride;
    const std::uint8_t* above = y > 0 ? out - stride : nullptr;
    for (std::size_t i = 0; i < stride; ++i) {
      const int left = i >= 3 ? out[i - 3] : 0;
      const int up = above != nullptr ? above[i] : 0;
      const int upper_left = above != nullptr && i >= 3 ? above[i - 3] : 0;
      int predictor = 0;
      switch (filter) {
        case 0:
          break;
        case 1:
          predictor = left;
          break;
        case 2:
          predictor = up;
          break;
        case 3:
          predictor = (left + up) / 2;
          break;
        case 4:
          predictor = PaethPredictor(left, up, upper_left);
          break;
        default:
          ADD_FAILURE() << "invalid filter type " << int{filter} << " on row " << y;
          return std::nullopt;
      }
      out[i] = static_cast<std::uint8_t>(in[i] + predictor);
    }
  }
  return rgb;
}

// Decodes an 8-bit RGB, non-interlaced PNG file. Records a test failure and
// returns nullopt when the file is not one.
std::optional<DecodedImage> DecodePng(std::string_view png) {
  const std::optional<std::vector<PngChunk>> chunks = SplitChunks(png);
  if (!chunks) {
    return std::nullopt;
  }
  if (chunks->size() < 3 || chunks->front().type != "IHDR" || chunks->back().type != "IEND") {
    ADD_FAILURE() << "PNG must start with IHDR and end with IEND";
    return std::nullopt;
  }
  const std::string& header = chunks->front().data;
  if (header.size() != 13) {
    ADD_FAILURE() << "IHDR has " << header.size() << " bytes, expected 13";
    return std::nullopt;
  }
  DecodedImage image;
  image.width = static_cast<int>(ReadUint32BigEndian(header, 0));
  image.height = static_cast<int>(ReadUint32BigEndian(header, 4));
  const std::string expected_format("\x08\x02\x00\x00\x00", 5);  // 8-bit RGB, deflate, adaptive filter, no interlace
  if (header.substr(8) != expected_format) {
    ADD_FAILURE() << "IHDR does not describe an 8-bit RGB non-interlaced image";
    return std::nullopt;
  }

  std::string compressed;
  for (const PngChunk& chunk : *chunks) {
    if (chunk.type == "IDAT") {
      compressed += chunk.data;
    }
  }
  const std::size_t stride = static_cast<std::size_t>(image.width) * 3;
  std::vector<std::uint8_t> scanlines((stride + 1) * static_cast<std::size_t>(image.height) + 1);
  uLongf scanlines_size = scanlines.size();
  const int status = uncompress(scanlines.data(), &scanlines_size,
                                reinterpret_cast<const Bytef*>(compressed.data()), compressed.size());
  if (status != Z_OK) {
    ADD_FAILURE() << "zlib uncompress of IDAT failed with status " << status;
    return std::nullopt;
  }
  if (scanlines_size != scanlines.size() - 1) {
    ADD_FAILURE() << "IDAT holds " << scanlines_size << " bytes of scanlines, expected " << scanlines.size() - 1;
    return std::nullopt;
  }
  std::optional<std::vector<std::uint8_t>> rgb = Unfilter(scanlines, image.width, image.height);
  if (!rgb) {
    return std::nullopt;
  }
  image.rgb = std::move(*rgb);
  for (std::size_t y = 0; y < static_cast<std::size_t>(image.height); ++y) {
    image.row_filters.push_back(scanlines[y * (stride + 1)]);
  }
  return image;
}

int CountPixels(const DecodedImage& image, PlotColor color) {
  int count = 0;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      count += image.At(x, y) == color ? 1 : 0;
    }
  }
  return count;
}

// Counts the pixels of `color` in the left two thirds of the image, which the
// legend never reaches at the default 800 pixel width, because its box spans
// at most a quarter of the width plus the margin at the right edge.
int CountPixelsLeftOfLegend(const DecodedImage& image, PlotColor color) {
  int count = 0;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width * 2 / 3; ++x) {
      count += image.At(x, y) == color ? 1 : 0;
    }
  }
  return count;
}

// Returns the positions of the pixels of `color` left of the legend, relative
// to the top-left corner of their bounding box, in row-major order.
std::vector<std::pair<int, int>> ShapeLeftOfLegend(const DecodedImage& image, PlotColor color) {
  std::vector<std::pair<int, int>> positions;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width * 2 / 3; ++x) {
      if (image.At(x, y) == color) {
        positions.emplace_back(x, y);
      }
    }
  }
  int left = image.width;
  int top = image.height;
  for (const auto& [x, y] : positions) {
    left = std::min(left, x);
    top = std::min(top, y);
  }
  for (auto& [x, y] : positions) {
    x -= left;
    y -= top;
  }
  return positions;
}

// Returns how many of the first `count` palette colours appear in rows
// [first_row, last_row) of the image.
int CountPaletteColorsInRows(const DecodedImage& image, int first_row, int last_row, std::size_t count) {
  int found = 0;
  for (std::size_t i = 0; i < count; ++i) {
    bool present = false;
    for (int y = first_row; y < last_row && !present; ++y) {
      for (int x = 0; x < image.width && !present; ++x) {
        present = image.At(x, y) == PlotSeriesColor(i);
      }
    }
    found += present ? 1 : 0;
  }
  return found;
}

// Round-based performance series, as `orcsim run --report` plots them.
std::vector<PlotSeries> RoundSeries(int series_count, int rounds) {
  std::vector<PlotSeries> series;
  for (int s = 0; s < series_count; ++s) {
    PlotSeries one{"org" + std::to_string(s + 1) + "MSP", {}};
    for (int round = 1; round <= rounds; ++round) {
      const double performance = 0.5 + 0.4 * (1.0 - std::exp(-0.3 * round)) + 0.01 * s + 0.02 * std::sin(round + s);
      one.points.push_back({static_cast<double>(round), performance});
    }
    series.push_back(std::move(one));
  }
  return series;
}

PlotOptions DefaultOptions() { return {"Performance per round", "round", "accuracy", 800, 500}; }

// Deterministic pseudo-random bytes (a linear congruential generator).
std::vector<std::uint8_t> PseudoRandomBytes(std::size_t size, std::uint32_t seed) {
  std::vector<std::uint8_t> bytes(size);
  std::uint32_t state = seed;
  for (std::uint8_t& byte : bytes) {
    state = state * 1664525u + 1013904223u;
    byte = static_cast<std::uint8_t>(state >> 24);
  }
  return bytes;
}

// ---------------------------------------------------------------------------
// EncodePng
// ---------------------------------------------------------------------------

TEST(PngEncodeTest, WritesSignatureAndValidCrcs) {
  const std::string png = EncodePng(3, 2, PseudoRandomBytes(3 * 2 * 3, 1));

  EXPECT_EQ(png.substr(0, kPngSignature.size()), kPngSignature);
  const std::optional<std::vector<PngChunk>> chunks = SplitChunks(png);
  ASSERT_TRUE(chunks.has_value());
  ASSERT_EQ(chunks->size(), 3u);
  EXPECT_EQ((*chunks)[0].type, "IHDR");
  EXPECT_EQ((*chunks)[1].type, "IDAT");
  EXPECT_EQ((*chunks)[2].type, "IEND");
  EXPECT_TRUE((*chunks)[2].data.empty());
}

TEST(PngEncodeTest, RoundTripsPixels) {
  struct Case {
    int width;
    int height;
  };
  for (const Case& size : {Case{1, 1}, Case{7, 5}, Case{64, 33}}) {
    SCOPED_TRACE(std::to_string(size.width) + "x" + std::to_string(size.height));
    const std::vector<std::uint8_t> rgb =
        PseudoRandomBytes(static_cast<std::size_t>(size.width * size.height * 3), 7);

    const std::optional<DecodedImage> image = DecodePng(EncodePng(size.width, size.height, rgb));

    ASSERT_TRUE(image.has_value());
    EXPECT_EQ(image->width, size.width);
    EXPECT_EQ(image->height, size.height);
    EXPECT_EQ(image->rgb, rgb);
  }
}

TEST(PngEncodeTest, RoundTripsEveryChosenFilter) {
  // Row 0 is black, which None encodes as zeros and wins the tie. Rows 1-9
  // are a gradient along x, which Sub encodes on row 1 and Up on the rows
  // below. Rows 10-19 repeat that with one flat colour.
  const int width = 40;
  const int height = 20;
  std::vector<std::uint8_t> rgb;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const int value = y == 0 ? 0 : (y < 10 ? x * 3 : 200);
      rgb.insert(rgb.end(), 3, static_cast<std::uint8_t>(value));
    }
  }

  const std::optional<DecodedImage> image = DecodePng(EncodePng(width, height, rgb));

  ASSERT_TRUE(image.has_value());
  EXPECT_EQ(image->rgb, rgb);
  for (const int filter : {0, 1, 2}) {
    EXPECT_NE(std::find(image->row_filters.begin(), image->row_filters.end(), filter), image->row_filters.end())
        << "no row uses filter type " << filter;
  }
}

TEST(PngEncodeTest, LargeImageUsesSeveralIdatChunks) {
  // Random pixels barely compress, so 3 MiB of them need several 1 MiB chunks.
  const int size = 1024;
  const std::vector<std::uint8_t> rgb = PseudoRandomBytes(static_cast<std::size_t>(size) * size * 3, 3);

  const std::string png = EncodePng(size, size, rgb);

  const std::optional<std::vector<PngChunk>> chunks = SplitChunks(png);
  ASSERT_TRUE(chunks.has_value());
  int idat_chunks = 0;
  for (const PngChunk& chunk : *chunks) {
    idat_chunks += chunk.type == "IDAT" ? 1 : 0;
  }
  EXPECT_GT(idat_chunks, 1);
  const std::optional<DecodedImage> image = DecodePng(png);
  ASSERT_TRUE(image.has_value());
  EXPECT_EQ(image->rgb, rgb);
}

TEST(PngEncodeTest, RejectsInvalidSizes) {
  EXPECT_THROW(EncodePng(0, 1, {}), std::invalid_argument);
  EXPECT_THROW(EncodePng(1, 0, {}), std::invalid_argument);
  EXPECT_THROW(EncodePng(-1, 1, {}), std::invalid_argument);
  EXPECT_THROW(EncodePng(2, 2, std::vector<std::uint8_t>(11)), std::invalid_argument);
  EXPECT_THROW(EncodePng(2, 2, std::vector<std::uint8_t>(13)), std::invalid_argument);
}

TEST(PngEncodeTest, OutputIsDeterministic) {
  const std::vector<std::uint8_t> rgb = PseudoRandomBytes(50 * 20 * 3, 11);

  EXPECT_EQ(EncodePng(50, 20, rgb), EncodePng(50, 20, rgb));
}

// ---------------------------------------------------------------------------
// PlotSeriesColor
// ---------------------------------------------------------------------------

TEST(PlotSeriesColorTest, PaletteColorsAreDistinct) {
  for (std::size_t i = 0; i < kPlotPaletteSize; ++i) {
    for (std::size_t j = i + 1; j < kPlotPaletteSize; ++j) {
      EXPECT_FALSE(PlotSeriesColor(i) == PlotSeriesColor(j)) << "series " << i << " and " << j;
    }
    EXPECT_FALSE(PlotSeriesColor(i) == (PlotColor{255, 255, 255})) << "series " << i << " is the background";
  }
}

TEST(PlotSeriesColorTest, PaletteCycles) {
  for (std::size_t i = 0; i < 3 * kPlotPaletteSize; ++i) {
    EXPECT_EQ(PlotSeriesColor(i), PlotSeriesColor(i % kPlotPaletteSize)) << "series " << i;
  }
}

// ---------------------------------------------------------------------------
// RenderLinePlotPng
// ---------------------------------------------------------------------------

TEST(LinePlotTest, ImageHasRequestedSize) {
  PlotOptions options = DefaultOptions();
  options.width = 640;
  options.height = 360;

  const std::optional<DecodedImage> image = DecodePng(RenderLinePlotPng(RoundSeries(3, 10), options));

  ASSERT_TRUE(image.has_value());
  EXPECT_EQ(image->width, 640);
  EXPECT_EQ(image->height, 360);
}

TEST(LinePlotTest, DrawsEverySeriesInItsColor) {
  const std::optional<DecodedImage> image = DecodePng(RenderLinePlotPng(RoundSeries(3, 10), DefaultOptions()));

  ASSERT_TRUE(image.has_value());
  for (std::size_t i = 0; i < 3; ++i) {
    // Markers of about 30 fully covered pixels and lines two pixels thick.
    EXPECT_GT(CountPixelsLeftOfLegend(*image, PlotSeriesColor(i)), 300) << "series " << i;
  }
  EXPECT_EQ(CountPixels(*image, PlotSeriesColor(3)), 0);
}

TEST(LinePlotTest, DrawsDarkPixelsForTextAndAxes) {
  const std::optional<DecodedImage> image = DecodePng(RenderLinePlotPng(RoundSeries(1, 5), DefaultOptions()));

  ASSERT_TRUE(image.has_value());
  int dark = 0;
  for (int y = 0; y < image->height; ++y) {
    for (int x = 0; x < image->width; ++x) {
      const PlotColor pixel = image->At(x, y);
      dark += pixel.red < 100 && pixel.green < 100 && pixel.blue < 100 ? 1 : 0;
    }
  }
  EXPECT_GT(dark, 1000);
}

TEST(LinePlotTest, SeriesStayOutOfMargins) {
  const std::vector<PlotSeries> series = RoundSeries(10, 20);
  const std::optional<DecodedImage> image = DecodePng(RenderLinePlotPng(series, DefaultOptions()));

  ASSERT_TRUE(image.has_value());
  EXPECT_EQ(CountPaletteColorsInRows(*image, 0, 30, kPlotPaletteSize), 0);
  EXPECT_EQ(CountPaletteColorsInRows(*image, image->height - 30, image->height, kPlotPaletteSize), 0);
}

TEST(LinePlotTest, RenderingIsDeterministic) {
  const std::vector<PlotSeries> series = RoundSeries(5, 12);

  const std::string first = RenderLinePlotPng(series, DefaultOptions());
  const std::string second = RenderLinePlotPng(series, DefaultOptions());

  EXPECT_EQ(first, second);
}

TEST(LinePlotTest, NoSeriesShowsEmptyAxes) {
  const std::optional<DecodedImage> image = DecodePng(RenderLinePlotPng({}, DefaultOptions()));

  ASSERT_TRUE(image.has_value());
  EXPECT_EQ(CountPaletteColorsInRows(*image, 0, image->height, kPlotPaletteSize), 0);
}

TEST(LinePlotTest, EmptySeriesMatchesAllNanSeries) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<PlotSeries> empty = {{"org1", {}}, {"org2", {}}};
  const std::vector<PlotSeries> not_finite = {{"org1", {{nan, 0.5}, {1.0, nan}}}, {"org2", {{inf, -inf}}}};

  const std::string empty_png = RenderLinePlotPng(empty, DefaultOptions());

  EXPECT_TRUE(DecodePng(empty_png).has_value());
  EXPECT_EQ(empty_png, RenderLinePlotPng(not_finite, DefaultOptions()));
}

TEST(LinePlotTest, SkipsNanAndInfinitePoints) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<PlotSeries> finite = {{"org1", {{1, 0.2}, {3, 0.6}, {5, 0.4}}}};
  const std::vector<PlotSeries> with_gaps = {
      {"org1", {{1, 0.2}, {2, nan}, {3, 0.6}, {nan, 0.3}, {4, inf}, {4.5, -inf}, {5, 0.4}}}};

  EXPECT_EQ(RenderLinePlotPng(finite, DefaultOptions()), RenderLinePlotPng(with_gaps, DefaultOptions()));
}

TEST(LinePlotTest, SinglePointIsDrawn) {
  const std::optional<DecodedImage> image =
      DecodePng(RenderLinePlotPng({{"org1", {{3.0, 0.5}}}}, DefaultOptions()));

  ASSERT_TRUE(image.has_value());
  // A circle of radius 3.5 pixels fully covers about 30 pixels.
  EXPECT_GE(CountPixelsLeftOfLegend(*image, PlotSeriesColor(0)), 20);
}

TEST(LinePlotTest, SeriesSharingColorDifferInMarker) {
  // Series 0 and series kPlotPaletteSize share a colour. Each chart draws
  // only that series' point, at the same place.
  std::vector<PlotSeries> first(1);
  first[0].points = {{3.0, 0.5}};
  std::vector<PlotSeries> wrapped(kPlotPaletteSize + 1);
  wrapped[kPlotPaletteSize].points = {{3.0, 0.5}};
  ASSERT_EQ(PlotSeriesColor(0), PlotSeriesColor(kPlotPaletteSize));

  const std::optional<DecodedImage> circle = DecodePng(RenderLinePlotPng(first, DefaultOptions()));
  const std::optional<DecodedImage> square = DecodePng(RenderLinePlotPng(wrapped, DefaultOptions()));

  ASSERT_TRUE(circle.has_value());
  ASSERT_TRUE(square.has_value());
  const std::vector<std::pair<int, int>> circle_shape = ShapeLeftOfLegend(*circle, PlotSeriesColor(0));
  const std::vector<std::pair<int, int>> square_shape = ShapeLeftOfLegend(*square, PlotSeriesColor(0));
  EXPECT_FALSE(circle_shape.empty());
  EXPECT_FALSE(square_shape.empty());
  EXPECT_NE(circle_shape, square_shape);
}

TEST(LinePlotTest, ConstantSeriesIsDrawn) {
  const std::vector<PlotSeries> series = {{"org1", {{1, 0.7}, {2, 0.7}, {3, 0.7}}}};

  const std::optional<DecodedImage> image = DecodePng(RenderLinePlotPng(series, DefaultOptions()));

  ASSERT_TRUE(image.has_value());
  // A horizontal line two pixels thick across most of the plot area.
  EXPECT_GT(CountPixelsLeftOfLegend(*image, PlotSeriesColor(0)), 800);
}

TEST(LinePlotTest, HundredSeriesUseWholePalette) {
  const std::vector<PlotSeries> series = RoundSeries(100, 10);

  const std::optional<DecodedImage> image = DecodePng(RenderLinePlotPng(series, DefaultOptions()));

  ASSERT_TRUE(image.has_value());
  EXPECT_EQ(CountPaletteColorsInRows(*image, 0, image->height, kPlotPaletteSize),
            static_cast<int>(kPlotPaletteSize));
}

TEST(LinePlotTest, LongNamesAreTruncatedInLegend) {
  const std::string prefix(300, 'n');
  const std::vector<PlotSeries> long_name = {{prefix + "a", {{1, 1}, {2, 2}}}};
  const std::vector<PlotSeries> longer_name = {{prefix + std::string(500, 'b'), {{1, 1}, {2, 2}}}};

  // Both names are cut inside the shared prefix, so the images are equal.
  EXPECT_EQ(RenderLinePlotPng(long_name, DefaultOptions()), RenderLinePlotPng(longer_name, DefaultOptions()));
}

TEST(LinePlotTest, LongTextsAndNonAsciiRender) {
  PlotOptions options = DefaultOptions();
  options.title = std::string(1000, 'T') + "\xc3\xa9\t\n";
  options.x_label = std::string(1000, 'x');
  options.y_label = "r\xc3\xa9sultat " + std::string(1000, 'y');
  const std::vector<PlotSeries> series = {{"\xe2\x82\xac org \x01", {{1, 1}, {2, 2}}}};

  EXPECT_TRUE(DecodePng(RenderLinePlotPng(series, options)).has_value());
}

TEST(LinePlotTest, ExtremeValuesRender) {
  const double largest = std::numeric_limits<double>::max();
  const double tiny = std::numeric_limits<double>::denorm_min();
  const std::vector<std::vector<PlotSeries>> cases = {
      {{"full range", {{-largest, -largest}, {largest, largest}}}},
      {{"largest constant", {{largest, largest}, {largest, largest}}}},
      {{"denormal", {{0, tiny}, {1, 2 * tiny}, {2, 0}}}},
      {{"large integer x", {{1e17, 1.0}}}},
      {{"narrow", {{0, 1.0}, {1, 1.0 + 1e-15}}}},
      {{"large y", {{0, 1e12}, {1, -3e12}}}},
      {{"descending x", {{5, 1}, {1, 2}, {3, 0}}}},
      {{"zero", {{0, 0}}}},
  };
  for (const std::vector<PlotSeries>& series : cases) {
    SCOPED_TRACE(series[0].name);
    const std::optional<DecodedImage> image = DecodePng(RenderLinePlotPng(series, DefaultOptions()));
    ASSERT_TRUE(image.has_value());
    EXPECT_GT(CountPixels(*image, PlotSeriesColor(0)), 0);
  }
}

TEST(LinePlotTest, LongTickLabelsOnNarrowImageRender) {
  // A range of 1e-14 around -1 needs tick labels with 15 mantissa decimals,
  // which leave no room for the legend at the minimum width.
  const std::vector<PlotSeries> series = {{"organisation", {{0, -1.0}, {1, -1.0 - 1e-14}}}};
  PlotOptions options = DefaultOptions();
  options.width = kMinPlotWidth;
  options.height = kMinPlotHeight;

  const std::optional<DecodedImage> image = DecodePng(RenderLinePlotPng(series, options));

  ASSERT_TRUE(image.has_value());
  EXPECT_GT(CountPixels(*image, PlotSeriesColor(0)), 0);
}

TEST(LinePlotTest, AcceptsSizeLimits) {
  const std::vector<PlotSeries> series = RoundSeries(20, 10);
  PlotOptions smallest = DefaultOptions();
  smallest.width = kMinPlotWidth;
  smallest.height = kMinPlotHeight;
  PlotOptions tall = DefaultOptions();
  tall.width = kMinPlotWidth;
  tall.height = kMaxPlotSize;

  const std::optional<DecodedImage> smallest_image = DecodePng(RenderLinePlotPng(series, smallest));
  const std::optional<DecodedImage> tall_image = DecodePng(RenderLinePlotPng(series, tall));

  ASSERT_TRUE(smallest_image.has_value());
  EXPECT_EQ(smallest_image->width, kMinPlotWidth);
  EXPECT_EQ(smallest_image->height, kMinPlotHeight);
  ASSERT_TRUE(tall_image.has_value());
  EXPECT_EQ(tall_image->height, kMaxPlotSize);
}

TEST(LinePlotTest, RejectsSizesOutsideLimits) {
  const std::vector<PlotSeries> series = RoundSeries(1, 3);
  PlotOptions options = DefaultOptions();

  options.width = kMinPlotWidth - 1;
  EXPECT_THROW(RenderLinePlotPng(series, options), std::invalid_argument);
  options.width = kMaxPlotSize + 1;
  EXPECT_THROW(RenderLinePlotPng(series, options), std::invalid_argument);
  options.width = 800;
  options.height = kMinPlotHeight - 1;
  EXPECT_THROW(RenderLinePlotPng(series, options), std::invalid_argument);
  options.height = kMaxPlotSize + 1;
  EXPECT_THROW(RenderLinePlotPng(series, options), std::invalid_argument);
}

// ---------------------------------------------------------------------------
// WriteLinePlotPng
// ---------------------------------------------------------------------------

std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "orc_plot_test_" + name;
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

TEST(WriteLinePlotTest, WritesRenderedBytes) {
  const std::string path = TempPath("written.png");
  const std::vector<PlotSeries> series = RoundSeries(3, 10);
  std::string error;

  ASSERT_TRUE(WriteLinePlotPng(path, series, DefaultOptions(), &error)) << error;

  EXPECT_EQ(ReadFile(path), RenderLinePlotPng(series, DefaultOptions()));
  EXPECT_TRUE(error.empty());
  std::remove(path.c_str());
}

TEST(WriteLinePlotTest, ReplacesExistingFile) {
  const std::string path = TempPath("replaced.png");
  std::ofstream(path) << std::string(100000, 'x');

  ASSERT_TRUE(WriteLinePlotPng(path, {}, DefaultOptions(), nullptr));

  EXPECT_EQ(ReadFile(path), RenderLinePlotPng({}, DefaultOptions()));
  std::remove(path.c_str());
}

TEST(WriteLinePlotTest, MissingDirectoryFails) {
  const std::string path = TempPath("missing_directory/plot.png");
  std::string error;

  EXPECT_FALSE(WriteLinePlotPng(path, RoundSeries(1, 2), DefaultOptions(), &error));

  EXPECT_NE(error.find(path), std::string::npos) << error;
  EXPECT_NE(error.find("No such file or directory"), std::string::npos) << error;
}

TEST(WriteLinePlotTest, InvalidSizeFailsWithoutFile) {
  const std::string path = TempPath("invalid_size.png");
  std::remove(path.c_str());
  PlotOptions options = DefaultOptions();
  options.width = 10;
  std::string error;

  EXPECT_FALSE(WriteLinePlotPng(path, RoundSeries(1, 2), options, &error));

  EXPECT_NE(error.find("invalid plot size 10x500"), std::string::npos) << error;
  EXPECT_FALSE(std::ifstream(path).good());
}

TEST(WriteLinePlotTest, NullErrorIsAllowed) {
  EXPECT_FALSE(WriteLinePlotPng(TempPath("missing_directory/plot.png"), {}, DefaultOptions(), nullptr));
}

}  // namespace
}  // namespace orc::sim
