#include "sim/plot.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "sim/png.h"

namespace orc::sim {
namespace {

// ---------------------------------------------------------------------------
// Bitmap font
// ---------------------------------------------------------------------------

// Glyphs are 5 columns by 9 rows. Rows 0-6 are above the baseline (capitals
// fill all 7), and rows 7-8 hold descenders. Text is proportional, so each
// glyph is as wide as its inked columns, plus one blank column between glyphs.
constexpr int kGlyphColumns = 5;
constexpr int kGlyphRows = 9;
constexpr int kGlyphAscent = 7;
constexpr int kGlyphSpacing = 1;
constexpr int kSpaceAdvance = 3;
constexpr char kFirstGlyph = ' ';
constexpr char kLastGlyph = '~';
constexpr int kGlyphCount = kLastGlyph - kFirstGlyph + 1;

// The glyphs of printable ASCII (32 to 126) in ascending order, 12 per band.
// A band is a line with the band's characters, one every 6 columns, and then
// 9 pixel rows where '#' is inked and '.' is blank. Glyphs in a pixel row are
// separated by one space. ParseFontSheet checks this layout at compile time.
constexpr std::string_view kFontSheet = R"font(
      !     "     #     $     %     &     '     (     )     *     +
..... ..#.. .#.#. .#.#. ..#.. ##... .##.. ..#.. ...#. .#... ..... .....
..... ..#.. .#.#. .#.#. .#### ##..# #..#. ..#.. ..#.. ..#.. ..#.. ..#..
..... ..#.. .#.#. ##### #.#.. ...#. #.#.. .#... .#... ...#. #.#.# ..#..
..... ..#.. ..... .#.#. .###. ..#.. .#... ..... .#... ...#. .###. #####
..... ..#.. ..... ##### ..#.# .#... #.#.# ..... .#... ...#. #.#.# ..#..
..... ..... ..... .#.#. ####. #..## #..#. ..... ..#.. ..#.. ..#.. ..#..
..... ..#.. ..... .#.#. ..#.. ...## .##.# ..... ...#. .#... ..... .....
..... ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... .....
..... ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... .....

,     -     .     /     0     1     2     3     4     5     6     7
..... ..... ..... ....# .###. ..#.. .###. .###. ...#. ##### ..##. #####
..... ..... ..... ....# #...# .##.. #...# #...# ..##. #.... .#... ....#
..... ..... ..... ...#. #..## #.#.. ....# ....# .#.#. ####. #.... ...#.
..... ####. ..... ..#.. #.#.# ..#.. ...#. ..##. #..#. ....# ####. ..#..
..... ..... ..... .#... ##..# ..#.. ..#.. ....# ##### ....# #...# ..#..
.##.. ..... .##.. #.... #...# ..#.. .#... #...# ...#. #...# #...# .#...
.##.. ..... .##.. #.... .###. ##### ##### .###. ...#. .###. .###. .#...
..#.. ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... .....
.#... ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... .....

8     9     :     ;     <     =     >     ?     @     A     B     C
.###. .###. ..... ..... ...#. ..... .#... .###. .###. .###. ####. .###.
#...# #...# .##.. .##.. ..#.. ..... ..#.. #...# #...# #...# #...# #...#
#...# #...# .##.. .##.. .#... ##### ...#. ....# #.### #...# #...# #....
.###. .#### ..... ..... #.... ..... ....# ...#. #.#.# ##### ####. #....
#...# ....# .##.. .##.. .#... ##### ...#. ..#.. #.### #...# #...# #....
#...# ...#. .##.. .##.. ..#.. ..... ..#.. ..... #.... #...# #...# #...#
.###. .##.. ..... ..#.. ...#. ..... .#... ..#.. .#### #...# ####. .###.
..... ..... ..... .#... ..... ..... ..... ..... ..... ..... ..... .....
..... ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... .....

D     E     F     G     H     I     J     K     L     M     N     O
####. ##### ##### .###. #...# .###. ..### #...# #.... #...# #...# .###.
#...# #.... #.... #...# #...# ..#.. ...#. #..#. #.... ##.## #...# #...#
#...# #.... #.... #.... #...# ..#.. ...#. #.#.. #.... #.#.# ##..# #...#
#...# ####. ####. #.### ##### ..#.. ...#. ##... #.... #.#.# #.#.# #...#
#...# #.... #.... #...# #...# ..#.. ...#. #.#.. #.... #...# #..## #...#
#...# #.... #.... #...# #...# ..#.. #..#. #..#. #.... #...# #...# #...#
####. ##### #.... .#### #...# .###. .##.. #...# ##### #...# #...# .###.
..... ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... .....
..... ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... .....

P     Q     R     S     T     U     V     W     X     Y     Z     [
####. .###. ####. .#### ##### #...# #...# #...# #...# #...# ##### .###.
#...# #...# #...# #.... ..#.. #...# #...# #...# #...# #...# ....# .#...
#...# #...# #...# #.... ..#.. #...# #...# #...# .#.#. .#.#. ...#. .#...
####. #...# ####. .###. ..#.. #...# #...# #.#.# ..#.. ..#.. ..#.. .#...
#.... #.#.# #.#.. ....# ..#.. #...# #...# #.#.# .#.#. ..#.. .#... .#...
#.... #..#. #..#. ....# ..#.. #...# .#.#. #.#.# #...# ..#.. #.... .#...
#.... .##.# #...# ####. ..#.. .###. ..#.. .#.#. #...# ..#.. ##### .###.
..... ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... .....
..... ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... .....

\     ]     ^     _     `     a     b     c     d     e     f     g
#.... .###. ..#.. ..... .#... ..... #.... ..... ....# ..... ..##. .....
#.... ...#. .#.#. ..... ..#.. ..... #.... ..... ....# ..... .#... .....
.#... ...#. #...# ..... ..... .###. ####. .#### .#### .###. ####. .####
..#.. ...#. ..... ..... ..... ....# #...# #.... #...# #...# .#... #...#
...#. ...#. ..... ..... ..... .#### #...# #.... #...# ##### .#... #...#
....# ...#. ..... ..... ..... #...# #...# #.... #...# #.... .#... #...#
....# .###. ..... ..... ..... .#### ####. .#### .#### .###. .#... .####
..... ..... ..... ##### ..... ..... ..... ..... ..... ..... ..... ....#
..... ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... .###.

h     i     j     k     l     m     n     o     p     q     r     s
#.... ..#.. ...#. #.... .##.. ..... ..... ..... ..... ..... ..... .....
#.... ..... ..... #.... ..#.. ..... ..... ..... ..... ..... ..... .....
####. .##.. ..##. #..#. ..#.. ##.#. ####. .###. ####. .#### #.##. .####
#...# ..#.. ...#. #.#.. ..#.. #.#.# #...# #...# #...# #...# ##..# #....
#...# ..#.. ...#. ##... ..#.. #.#.# #...# #...# #...# #...# #.... .###.
#...# ..#.. ...#. #.#.. ..#.. #.#.# #...# #...# #...# #...# #.... ....#
#...# .###. ...#. #..#. .###. #.#.# #...# .###. ####. .#### #.... ####.
..... ..... #..#. ..... ..... ..... ..... ..... #.... ....# ..... .....
..... ..... .##.. ..... ..... ..... ..... ..... #.... ....# ..... .....

t     u     v     w     x     y     z     {     |     }     ~
.#... ..... ..... ..... ..... ..... ..... ...## ..#.. ##... .....
.#... ..... ..... ..... ..... ..... ..... ..#.. ..#.. ..#.. .....
####. #...# #...# #...# #...# #...# ##### ..#.. ..#.. ..#.. .#...
.#... #...# #...# #...# .#.#. #...# ...#. .#... ..#.. ...#. #.#.#
.#... #...# #...# #.#.# ..#.. #...# ..#.. ..#.. ..#.. ..#.. ...#.
.#..# #...# .#.#. #.#.# .#.#. #...# .#... ..#.. ..#.. ..#.. .....
..##. .#### ..#.. .#.#. #...# .#### ##### ...## ..#.. ##... .....
..... ..... ..... ..... ..... ....# ..... ..... ..#.. ..... .....
..... ..... ..... ..... ..... .###. ..... ..... ..... ..... .....
)font";

// One glyph of the font.
struct Glyph {
  // Bit c of rows[r] is set when column c (0 is the leftmost) of row r is inked.
  std::array<std::uint8_t, kGlyphRows> rows{};
  // Leftmost inked column and number of columns up to the rightmost inked one.
  // Both are 0 for a glyph without ink (the space).
  int first_column = 0;
  int width = 0;
};

using Font = std::array<Glyph, kGlyphCount>;

// Returns the next line of `text` after `position` and moves `position` past
// its line break.
constexpr std::string_view NextLine(std::string_view text, std::size_t& position) {
  const std::size_t end = std::min(text.find('\n', position), text.size());
  const std::string_view line = text.substr(position, end - position);
  position = end + 1;
  return line;
}

// Parses kFontSheet. A malformed sheet reaches a throw, which fails the
// compile-time evaluation of kFont.
constexpr Font ParseFontSheet(std::string_view sheet) {
  constexpr std::size_t kCellWidth = kGlyphColumns + 1;
  Font font{};
  int glyph_index = 0;
  std::size_t position = 0;
  while (position < sheet.size()) {
    const std::string_view header = NextLine(sheet, position);
    if (header.empty()) {
      continue;
    }
    std::array<std::string_view, kGlyphRows> rows{};
    for (std::string_view& row : rows) {
      row = NextLine(sheet, position);
      if (row.size() != rows[0].size() || (row.size() + 1) % kCellWidth != 0) {
        throw std::logic_error("font sheet: pixel rows of a band differ in length");
      }
    }

    const std::size_t band_size = (rows[0].size() + 1) / kCellWidth;
    for (std::size_t cell = 0; cell < band_size; ++cell, ++glyph_index) {
      const std::size_t start = cell * kCellWidth;
      const char expected = static_cast<char>(kFirstGlyph + glyph_index);
      const char labelled = start < header.size() ? header[start] : ' ';
      if (glyph_index >= kGlyphCount || labelled != expected) {
        throw std::logic_error("font sheet: band header does not match the glyph order");
      }

      Glyph glyph;
      int first_inked = kGlyphColumns;
      int last_inked = -1;
      for (int r = 0; r < kGlyphRows; ++r) {
        for (int c = 0; c < kGlyphColumns; ++c) {
          const char pixel = rows[static_cast<std::size_t>(r)][start + static_cast<std::size_t>(c)];
          if (pixel == '#') {
            glyph.rows[static_cast<std::size_t>(r)] |= static_cast<std::uint8_t>(1u << c);
            first_inked = std::min(first_inked, c);
            last_inked = std::max(last_inked, c);
          } else if (pixel != '.') {
            throw std::logic_error("font sheet: pixels must be '#' or '.'");
          }
        }
      }
      if (last_inked >= 0) {
        glyph.first_column = first_inked;
        glyph.width = last_inked - first_inked + 1;
      }
      font[static_cast<std::size_t>(glyph_index)] = glyph;
    }
  }
  if (glyph_index != kGlyphCount) {
    throw std::logic_error("font sheet: wrong number of glyphs");
  }
  return font;
}

constexpr Font kFont = ParseFontSheet(kFontSheet);

constexpr bool OnlySpaceIsBlank(const Font& font) {
  for (std::size_t i = 0; i < font.size(); ++i) {
    const bool blank = font[i].width == 0;
    if (blank != (static_cast<char>(kFirstGlyph + static_cast<int>(i)) == ' ')) {
      return false;
    }
  }
  return true;
}
static_assert(OnlySpaceIsBlank(kFont), "every printable character except ' ' needs inked pixels");

// Returns `text` with each UTF-8 sequence and each control character replaced
// by one '?', because the font has glyphs for printable ASCII only.
std::string ToPrintableAscii(std::string_view text) {
  std::string printable;
  printable.reserve(text.size());
  for (const char ch : text) {
    const auto byte = static_cast<unsigned char>(ch);
    if (byte >= 0x80 && byte < 0xc0) {
      continue;  // a UTF-8 continuation byte, whose lead byte already produced the '?'
    }
    const bool in_font = byte >= static_cast<unsigned char>(kFirstGlyph) &&
                         byte <= static_cast<unsigned char>(kLastGlyph);
    printable.push_back(in_font ? ch : '?');
  }
  return printable;
}

// Returns the glyph of a printable ASCII character, as ToPrintableAscii returns.
const Glyph& GlyphOf(char ch) {
  return kFont[static_cast<std::size_t>(ch - kFirstGlyph)];
}

int GlyphAdvance(const Glyph& glyph) {
  return glyph.width == 0 ? kSpaceAdvance : glyph.width + kGlyphSpacing;
}

// Width in pixels of printable text drawn at `scale` pixels per font pixel.
int TextWidth(std::string_view text, int scale) {
  if (text.empty()) {
    return 0;
  }
  int width = 0;
  for (const char ch : text) {
    width += GlyphAdvance(GlyphOf(ch));
  }
  return (width - kGlyphSpacing) * scale;
}

int TextHeight(int scale) { return kGlyphRows * scale; }

// Returns printable text shortened to at most `max_width` pixels. When
// characters are removed, the longest prefix that fits with "..." is kept,
// without trailing spaces, and "..." is appended. Returns "" when not even
// "..." fits.
std::string TruncateToWidth(std::string text, int max_width, int scale) {
  if (TextWidth(text, scale) <= max_width) {
    return text;
  }
  constexpr std::string_view kEllipsis = "...";
  // The prefix's advances, spacing after its last glyph included, plus the
  // width of "..." must stay within max_width.
  const int prefix_budget = max_width - TextWidth(kEllipsis, scale);
  if (prefix_budget < 0) {
    return "";
  }
  int prefix_width = 0;
  std::size_t prefix_length = 0;
  while (prefix_length < text.size()) {
    const int advance = GlyphAdvance(GlyphOf(text[prefix_length])) * scale;
    if (prefix_width + advance > prefix_budget) {
      break;
    }
    prefix_width += advance;
    ++prefix_length;
  }
  while (prefix_length > 0 && text[prefix_length - 1] == ' ') {
    --prefix_length;
  }
  text.resize(prefix_length);
  return text + std::string(kEllipsis);
}

// ---------------------------------------------------------------------------
// Canvas
// ---------------------------------------------------------------------------

// A pixel rectangle: columns [left, right) and rows [top, bottom).
struct Rect {
  int left = 0;
  int top = 0;
  int right = 0;
  int bottom = 0;

  int Width() const { return right - left; }
  int Height() const { return bottom - top; }
};

Rect Intersect(const Rect& a, const Rect& b) {
  Rect result{std::max(a.left, b.left), std::max(a.top, b.top), std::min(a.right, b.right),
              std::min(a.bottom, b.bottom)};
  result.right = std::max(result.right, result.left);
  result.bottom = std::max(result.bottom, result.top);
  return result;
}

// An RGB image that charts are drawn on. Drawing outside the image is ignored.
class Canvas {
 public:
  Canvas(int width, int height, PlotColor background)
      : width_(width), height_(height), rgb_(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3) {
    FillRect({0, 0, width, height}, background);
  }

  int width() const { return width_; }
  int height() const { return height_; }
  const std::vector<std::uint8_t>& rgb() const { return rgb_; }

  // Mixes `color` into pixel (x, y) with weight `coverage` in [0, 1].
  void Blend(int x, int y, PlotColor color, double coverage) {
    if (x < 0 || y < 0 || x >= width_ || y >= height_ || coverage <= 0.0) {
      return;
    }
    std::uint8_t* pixel = rgb_.data() + (static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) +
                                         static_cast<std::size_t>(x)) * 3;
    if (coverage >= 1.0) {
      pixel[0] = color.red;
      pixel[1] = color.green;
      pixel[2] = color.blue;
      return;
    }
    const auto mix = [coverage](std::uint8_t under, std::uint8_t over) {
      return static_cast<std::uint8_t>(std::lround(under + (over - under) * coverage));
    };
    pixel[0] = mix(pixel[0], color.red);
    pixel[1] = mix(pixel[1], color.green);
    pixel[2] = mix(pixel[2], color.blue);
  }

  void FillRect(const Rect& rect, PlotColor color) {
    const Rect clipped = Intersect(rect, {0, 0, width_, height_});
    for (int y = clipped.top; y < clipped.bottom; ++y) {
      for (int x = clipped.left; x < clipped.right; ++x) {
        Blend(x, y, color, 1.0);
      }
    }
  }

  // Draws the one-pixel outline just inside `rect`.
  void StrokeRect(const Rect& rect, PlotColor color) {
    FillRect({rect.left, rect.top, rect.right, rect.top + 1}, color);
    FillRect({rect.left, rect.bottom - 1, rect.right, rect.bottom}, color);
    FillRect({rect.left, rect.top, rect.left + 1, rect.bottom}, color);
    FillRect({rect.right - 1, rect.top, rect.right, rect.bottom}, color);
  }

  // Draws printable text left to right with the top of its glyph cells at row
  // `top`. Each font pixel becomes a `scale` x `scale` square.
  void DrawText(int left, int top, std::string_view text, PlotColor color, int scale) {
    int pen = 0;
    for (const char ch : text) {
      const Glyph& glyph = GlyphOf(ch);
      ForEachInkedPixel(glyph, [&](int column, int row) {
        FillRect({left + (pen + column) * scale, top + row * scale, left + (pen + column + 1) * scale,
                  top + (row + 1) * scale},
                 color);
      });
      pen += GlyphAdvance(glyph);
    }
  }

  // Draws printable text rotated a quarter turn counterclockwise, so that it
  // reads bottom to top. The text starts just above row `bottom`, and the top
  // of each glyph cell is at column `left`.
  void DrawTextUpward(int left, int bottom, std::string_view text, PlotColor color, int scale) {
    int pen = 0;
    for (const char ch : text) {
      const Glyph& glyph = GlyphOf(ch);
      ForEachInkedPixel(glyph, [&](int column, int row) {
        FillRect({left + row * scale, bottom - (pen + column + 1) * scale, left + (row + 1) * scale,
                  bottom - (pen + column) * scale},
                 color);
      });
      pen += GlyphAdvance(glyph);
    }
  }

 private:
  // Calls visit(column, row) for each inked pixel, with columns counted from
  // the glyph's first inked column.
  template <typename Visit>
  static void ForEachInkedPixel(const Glyph& glyph, Visit visit) {
    for (int row = 0; row < kGlyphRows; ++row) {
      const unsigned bits = glyph.rows[static_cast<std::size_t>(row)];
      for (int column = 0; column < kGlyphColumns; ++column) {
        if ((bits >> column) & 1u) {
          visit(column - glyph.first_column, row);
        }
      }
    }
  }

  int width_;
  int height_;
  std::vector<std::uint8_t> rgb_;
};

// ---------------------------------------------------------------------------
// Anti-aliased lines and markers
// ---------------------------------------------------------------------------

enum class MarkerShape { kCircle, kSquare, kTriangle, kDiamond };

// Returns whether the offset (dx, dy) from a marker's centre is inside a
// marker of the given shape and radius. y grows downwards.
bool InsideMarker(MarkerShape shape, double dx, double dy, double radius) {
  switch (shape) {
    case MarkerShape::kCircle:
      return dx * dx + dy * dy <= radius * radius;
    case MarkerShape::kSquare:
      // Shrunk so that its area is close to the circle's.
      return std::abs(dx) <= 0.88 * radius && std::abs(dy) <= 0.88 * radius;
    case MarkerShape::kTriangle: {
      // Apex at the top, base below the centre.
      const double top = -1.15 * radius;
      const double base = 0.85 * radius;
      if (dy < top || dy > base) {
        return false;
      }
      const double half_width = 1.15 * radius * (dy - top) / (base - top);
      return std::abs(dx) <= half_width;
    }
    case MarkerShape::kDiamond:
      return std::abs(dx) + std::abs(dy) <= 1.25 * radius;
  }
  return false;
}

// Per-pixel coverage of one series inside a clip rectangle. Collecting the
// maximum coverage before blending keeps the joints of consecutive segments
// from being blended twice, which would make them darker than the lines.
class CoverageMask {
 public:
  explicit CoverageMask(const Rect& clip)
      : clip_(clip), coverage_(static_cast<std::size_t>(clip.Width()) * static_cast<std::size_t>(clip.Height()), 0.0f) {}

  // Adds a line segment of width 2 * half_width between two points in pixel
  // coordinates, where pixel (x, y) spans [x, x + 1) x [y, y + 1). A pixel's
  // coverage falls off linearly over one pixel at the line's edge.
  void AddSegment(double x0, double y0, double x1, double y1, double half_width) {
    const double dx = x1 - x0;
    const double dy = y1 - y0;
    const double length_squared = dx * dx + dy * dy;
    const double reach = half_width + 1.0;

    // Walk along the major axis and visit a short run of pixels across it at
    // each step. A pixel within `reach` of the segment is at most 2 * reach
    // across the major axis from the segment's point in its column (or row),
    // because the slope against the major axis is at most 1.
    const bool along_x = std::abs(dx) >= std::abs(dy);
    const double major_start = along_x ? std::min(x0, x1) : std::min(y0, y1);
    const double major_end = along_x ? std::max(x0, x1) : std::max(y0, y1);
    const int clip_first = along_x ? clip_.left : clip_.top;
    const int clip_last = (along_x ? clip_.right : clip_.bottom) - 1;
    const int first = std::max(static_cast<int>(std::floor(major_start - reach)), clip_first);
    const int last = std::min(static_cast<int>(std::ceil(major_end + reach)), clip_last);

    for (int major = first; major <= last; ++major) {
      const double centre = major + 0.5;
      double t = 0.0;
      if (along_x && dx != 0.0) {
        t = std::clamp((centre - x0) / dx, 0.0, 1.0);
      } else if (!along_x) {
        t = std::clamp((centre - y0) / dy, 0.0, 1.0);
      }
      const double across = along_x ? y0 + t * dy : x0 + t * dx;

      const int run_first = static_cast<int>(std::floor(across - 2.0 * reach));
      const int run_last = static_cast<int>(std::ceil(across + 2.0 * reach));
      for (int minor = run_first; minor <= run_last; ++minor) {
        const int x = along_x ? major : minor;
        const int y = along_x ? minor : major;
        if (!Contains(x, y)) {
          continue;
        }
        const double px = x + 0.5 - x0;
        const double py = y + 0.5 - y0;
        // Closest point of the segment, as a fraction of the way from the first point.
        const double closest =
            length_squared > 0.0 ? std::clamp((px * dx + py * dy) / length_squared, 0.0, 1.0) : 0.0;
        const double distance = std::hypot(px - closest * dx, py - closest * dy);
        Raise(x, y, half_width + 0.5 - distance);
      }
    }
  }

  // Adds a filled marker centred on (cx, cy). Edge pixels get the fraction of
  // their 4 x 4 sample points that fall inside the shape.
  void AddMarker(double cx, double cy, MarkerShape shape, double radius) {
    const double reach = 1.3 * radius + 1.0;
    const Rect box = Intersect({static_cast<int>(std::floor(cx - reach)), static_cast<int>(std::floor(cy - reach)),
                                static_cast<int>(std::ceil(cx + reach)), static_cast<int>(std::ceil(cy + reach))},
                               clip_);
    constexpr int kSamples = 4;
    for (int y = box.top; y < box.bottom; ++y) {
      for (int x = box.left; x < box.right; ++x) {
        int inside = 0;
        for (int sy = 0; sy < kSamples; ++sy) {
          for (int sx = 0; sx < kSamples; ++sx) {
            const double sample_x = x + (sx + 0.5) / kSamples - cx;
            const double sample_y = y + (sy + 0.5) / kSamples - cy;
            inside += InsideMarker(shape, sample_x, sample_y, radius) ? 1 : 0;
          }
        }
        Raise(x, y, static_cast<double>(inside) / (kSamples * kSamples));
      }
    }
  }

  // Blends `color` onto the canvas with the collected coverage, then clears
  // the mask for the next series.
  void CompositeAndClear(Canvas& canvas, PlotColor color) {
    const auto width = static_cast<std::size_t>(clip_.Width());
    for (const std::size_t index : touched_) {
      const int x = clip_.left + static_cast<int>(index % width);
      const int y = clip_.top + static_cast<int>(index / width);
      canvas.Blend(x, y, color, coverage_[index]);
      coverage_[index] = 0.0f;
    }
    touched_.clear();
  }

 private:
  std::size_t Index(int x, int y) const {
    return static_cast<std::size_t>(y - clip_.top) * static_cast<std::size_t>(clip_.Width()) +
           static_cast<std::size_t>(x - clip_.left);
  }

  bool Contains(int x, int y) const {
    return x >= clip_.left && x < clip_.right && y >= clip_.top && y < clip_.bottom;
  }

  // Raises the coverage of a pixel inside the clip rectangle.
  void Raise(int x, int y, double coverage) {
    if (coverage <= 0.0) {
      return;
    }
    const std::size_t index = Index(x, y);
    float& stored = coverage_[index];
    if (stored == 0.0f) {
      touched_.push_back(index);
    }
    stored = std::max(stored, static_cast<float>(std::min(coverage, 1.0)));
  }

  Rect clip_;
  std::vector<float> coverage_;
  std::vector<std::size_t> touched_;  // indices of the pixels with non-zero coverage
};

// ---------------------------------------------------------------------------
// Axes and ticks
// ---------------------------------------------------------------------------

// Smallest and largest finite coordinates over all series.
struct DataBounds {
  bool has_data = false;
  double x_min = 0.0;
  double x_max = 0.0;
  double y_min = 0.0;
  double y_max = 0.0;
  // Whether every finite x is a whole number, as training round indices are.
  // The x axis then gets ticks on whole numbers only.
  bool x_integers = true;
};

bool IsFinitePoint(const std::pair<double, double>& point) {
  return std::isfinite(point.first) && std::isfinite(point.second);
}

DataBounds FindDataBounds(const std::vector<PlotSeries>& series) {
  DataBounds bounds;
  for (const PlotSeries& one_series : series) {
    for (const auto& point : one_series.points) {
      if (!IsFinitePoint(point)) {
        continue;
      }
      bounds.x_integers = bounds.x_integers && point.first == std::floor(point.first);
      if (!bounds.has_data) {
        bounds.has_data = true;
        bounds.x_min = bounds.x_max = point.first;
        bounds.y_min = bounds.y_max = point.second;
        continue;
      }
      bounds.x_min = std::min(bounds.x_min, point.first);
      bounds.x_max = std::max(bounds.x_max, point.first);
      bounds.y_min = std::min(bounds.y_min, point.second);
      bounds.y_max = std::max(bounds.y_max, point.second);
    }
  }
  return bounds;
}

// Returns [low, high], widened on each side when low == high so that a
// constant sits in the middle of its axis. The pad is 1 for whole numbers
// (when 1 is large enough to change the value), otherwise 10% of the value,
// or 1 when the value is 0 or so small that 10% of it underflows.
std::pair<double, double> PadEmptyRange(double low, double high, bool integers) {
  if (low < high) {
    return {low, high};
  }
  constexpr double kLargest = std::numeric_limits<double>::max();
  const auto pad_by = [&](double pad) {
    return std::pair{std::max(low - pad, -kLargest), std::min(high + pad, kLargest)};
  };
  if (integers) {
    const auto padded = pad_by(1.0);
    if (padded.first < padded.second) {
      return padded;
    }
  }
  const double pad = std::abs(low) * 0.1;
  return pad_by(pad > 0.0 ? pad : 1.0);
}

// Returns a step of 1, 2 or 5 times a power of ten that is at least `raw_step`.
double NiceStep(double raw_step) {
  const double power = std::pow(10.0, std::floor(std::log10(raw_step)));
  const double fraction = raw_step / power;
  if (fraction <= 1.0) {
    return power;
  }
  if (fraction <= 2.0) {
    return 2.0 * power;
  }
  if (fraction <= 5.0) {
    return 5.0 * power;
  }
  return 10.0 * power;
}

// Tolerance, in steps, for rounding errors when a range end is a multiple of the step.
constexpr double kStepTolerance = 1e-9;

// Formats a number with `decimals` digits after the point ("0.85", "12", "0.0").
std::string FormatFixed(double value, int decimals) {
  if (value == 0.0) {
    value = 0.0;  // turns -0 into 0
  }
  std::array<char, 64> buffer{};  // ComputeTicks uses fixed-point only below 1e6
  const auto result =
      std::to_chars(buffer.data(), buffer.data() + buffer.size(), value, std::chars_format::fixed, decimals);
  return std::string(buffer.data(), result.ptr);
}

// Formats a number in scientific notation with at most `significant_decimals`
// digits after the mantissa's point, dropping trailing zeros ("1.5e+06", "1e-05", "0").
std::string FormatScientific(double value, int significant_decimals) {
  if (value == 0.0) {
    return "0";
  }
  std::array<char, 64> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value,
                                    std::chars_format::scientific, significant_decimals);
  const std::string text(buffer.data(), result.ptr);
  const std::size_t exponent = text.find('e');
  std::size_t mantissa_end = exponent;
  while (text[mantissa_end - 1] == '0') {
    --mantissa_end;
  }
  if (text[mantissa_end - 1] == '.') {
    --mantissa_end;
  }
  return text.substr(0, mantissa_end) + text.substr(exponent);
}

// A tick mark with its label.
struct Tick {
  double value = 0.0;
  std::string label;
};

// The values shown on one axis and their ticks.
struct AxisTicks {
  double min = 0.0;
  double max = 1.0;
  std::vector<Tick> ticks;
};

// Returns ticks every NiceStep((high - low) / target_intervals) within
// [low, high], with a step of at least `min_step`. With `extend_to_ticks`, the
// range first grows to the nearest multiples of the step, so that the axis
// starts and ends on a tick.
//
// All labels of an axis share one format. It is fixed-point with the step's
// decimals ("0.85", "12") when that needs at most 6 decimals and the largest
// tick is in [1e-3, 1e6). Otherwise it is scientific ("1.5e+06") with enough
// mantissa digits to tell the ticks apart, up to the 15 significant decimals
// that a double holds.
AxisTicks ComputeTicks(double low, double high, int target_intervals, bool extend_to_ticks, double min_step) {
  AxisTicks axis{low, high, {}};
  const double intervals = std::max(target_intervals, 2);
  // Dividing before subtracting keeps the span finite even for [-max, max].
  const double step = std::max(NiceStep(high / intervals - low / intervals), min_step);
  if (!std::isfinite(step) || !(step > 0.0)) {
    return axis;
  }

  if (extend_to_ticks) {
    const double extended_min = std::floor(low / step + kStepTolerance) * step;
    const double extended_max = std::ceil(high / step - kStepTolerance) * step;
    if (std::isfinite(extended_min) && std::isfinite(extended_max)) {
      axis.min = std::min(extended_min, low);
      axis.max = std::max(extended_max, high);
    }
  }

  const double first = std::ceil(axis.min / step - kStepTolerance);
  const double last = std::floor(axis.max / step + kStepTolerance);
  constexpr int kMaxTicks = 200;
  std::vector<double> values;
  for (int i = 0; first + i <= last && i < kMaxTicks; ++i) {
    values.push_back((first + i) * step);
  }

  double largest = 0.0;
  for (const double value : values) {
    largest = std::max(largest, std::abs(value));
  }
  const int step_exponent = static_cast<int>(std::floor(std::log10(step) + kStepTolerance));
  const int decimals = std::max(0, -step_exponent);
  const bool fixed = decimals <= 6 && largest < 1e6 && (largest >= 1e-3 || largest == 0.0);
  const int largest_exponent =
      largest > 0.0 ? static_cast<int>(std::floor(std::log10(largest) + kStepTolerance)) : step_exponent;
  const int significant_decimals = std::clamp(largest_exponent - step_exponent, 0, 15);
  for (const double value : values) {
    axis.ticks.push_back({value, fixed ? FormatFixed(value, decimals) : FormatScientific(value, significant_decimals)});
  }
  return axis;
}

// Maps values of one axis to continuous pixel coordinates.
struct AxisScale {
  double min = 0.0;
  double max = 1.0;
  double pixel_at_min = 0.0;
  double pixel_at_max = 1.0;

  double ToPixel(double value) const {
    // Halving first keeps the differences finite for ranges near the double limits.
    const double fraction = (value * 0.5 - min * 0.5) / (max * 0.5 - min * 0.5);
    return pixel_at_min + fraction * (pixel_at_max - pixel_at_min);
  }
};

// ---------------------------------------------------------------------------
// Chart layout and drawing
// ---------------------------------------------------------------------------

constexpr PlotColor kBackgroundColor{255, 255, 255};
constexpr PlotColor kTextColor{30, 30, 30};
constexpr PlotColor kFrameColor{90, 90, 90};
constexpr PlotColor kGridColor{228, 228, 228};
constexpr PlotColor kLegendBorderColor{200, 200, 200};

constexpr std::array<PlotColor, kPlotPaletteSize> kPalette = {{
    {33, 102, 172},   // blue
    {232, 125, 30},   // orange
    {44, 158, 70},    // green
    {205, 44, 50},    // red
    {128, 78, 186},   // purple
    {140, 86, 52},    // brown
    {226, 94, 170},   // pink
    {24, 168, 184},   // cyan
    {176, 168, 24},   // olive
    {126, 126, 126},  // grey
}};

constexpr int kTextScale = 1;
constexpr int kTitleScale = 2;
constexpr int kMargin = 12;
constexpr int kTickLength = 4;
constexpr int kTickLabelGap = 4;
// Gap in pixels between the frame of the plot area and the extreme data
// points, so that markers on the axis range ends are drawn whole.
constexpr int kDataInset = 10;
// Minimum width in pixels of the plot area. To keep it, ComputeLayout first
// drops the legend and then lets the plot area run past the right margin.
constexpr int kMinPlotAreaWidth = 60;
constexpr int kMinXTickSpacing = 60;
constexpr int kMinYTickSpacing = 45;
constexpr int kMinXLabelGap = 10;
constexpr double kLineHalfWidth = 1.0;
constexpr double kMarkerRadius = 3.5;

constexpr std::size_t kMaxLegendEntries = 12;
constexpr int kLegendPadding = 8;
constexpr int kLegendSwatchWidth = 22;
constexpr int kLegendSwatchGap = 6;
constexpr int kLegendRowHeight = 16;
constexpr int kLegendGap = 12;

MarkerShape MarkerShapeOf(std::size_t series_index) {
  constexpr std::array<MarkerShape, 4> kShapes = {MarkerShape::kCircle, MarkerShape::kSquare, MarkerShape::kTriangle,
                                                  MarkerShape::kDiamond};
  return kShapes[(series_index / kPlotPaletteSize) % kShapes.size()];
}

// One row of the legend: a series, or the "+N more" line without a series.
struct LegendEntry {
  std::optional<std::size_t> series_index;
  std::string label;
};

// The legend box and its rows. The box is empty when there are no series.
struct Legend {
  Rect box;
  std::vector<LegendEntry> entries;
};

// Positions of everything on the chart, computed before drawing.
struct ChartLayout {
  Rect plot;  // frame of the plot area, axes included
  AxisScale x_scale;
  AxisScale y_scale;
  std::vector<Tick> x_ticks;
  std::vector<Tick> y_ticks;
  Legend legend;
  std::string title;
  std::string x_label;
  std::string y_label;
  int title_top = 0;
  int x_label_top = 0;
  int y_label_left = 0;
};

// Chooses the legend rows and the legend width. Names are truncated so that
// the box fits in a quarter of the image width, keeping at least 24 pixels of
// each name. The box is positioned later, once the plot area is known.
Legend ChooseLegendEntries(const std::vector<PlotSeries>& series, int image_width, int max_rows) {
  Legend legend;
  if (series.empty()) {
    return legend;
  }
  const std::size_t row_limit = std::clamp<std::size_t>(static_cast<std::size_t>(std::max(max_rows, 1)), 1,
                                                        kMaxLegendEntries);
  const std::size_t named_rows = series.size() <= row_limit ? series.size() : row_limit - 1;
  const int max_name_width =
      std::max(24, image_width / 4 - 2 * kLegendPadding - kLegendSwatchWidth - kLegendSwatchGap);

  int widest = 0;
  for (std::size_t i = 0; i < named_rows; ++i) {
    std::string name = TruncateToWidth(ToPrintableAscii(series[i].name), max_name_width, kTextScale);
    widest = std::max(widest, TextWidth(name, kTextScale));
    legend.entries.push_back({i, std::move(name)});
  }
  if (named_rows < series.size()) {
    std::string more = "+" + std::to_string(series.size() - named_rows) + " more";
    widest = std::max(widest, TextWidth(more, kTextScale));
    legend.entries.push_back({std::nullopt, std::move(more)});
  }
  const int rows = static_cast<int>(legend.entries.size());
  legend.box = {0, 0, 2 * kLegendPadding + kLegendSwatchWidth + kLegendSwatchGap + widest,
                2 * kLegendPadding + rows * kLegendRowHeight - (kLegendRowHeight - TextHeight(kTextScale))};
  return legend;
}

// Returns the x-axis ticks for the largest tick count whose labels do not
// overlap, at most one tick per kMinXTickSpacing pixels.
AxisTicks ComputeXTicks(double low, double high, double min_step, const AxisScale& pixels) {
  const int span = static_cast<int>(std::abs(pixels.pixel_at_max - pixels.pixel_at_min));
  for (int intervals = std::max(2, span / kMinXTickSpacing);; --intervals) {
    AxisTicks axis = ComputeTicks(low, high, intervals, false, min_step);
    if (intervals <= 2) {
      return axis;
    }
    AxisScale scale = pixels;
    scale.min = axis.min;
    scale.max = axis.max;
    bool overlaps = false;
    for (std::size_t i = 1; i < axis.ticks.size() && !overlaps; ++i) {
      const double distance = scale.ToPixel(axis.ticks[i].value) - scale.ToPixel(axis.ticks[i - 1].value);
      const int half_widths =
          (TextWidth(axis.ticks[i].label, kTextScale) + TextWidth(axis.ticks[i - 1].label, kTextScale)) / 2;
      overlaps = distance < half_widths + kMinXLabelGap;
    }
    if (!overlaps) {
      return axis;
    }
  }
}

ChartLayout ComputeLayout(const std::vector<PlotSeries>& series, const PlotOptions& options,
                          const DataBounds& bounds) {
  ChartLayout layout;
  const int width = options.width;
  const int height = options.height;
  const int text_height = TextHeight(kTextScale);

  // Vertical bands: title, plot area, x tick labels, x-axis label.
  layout.title = TruncateToWidth(ToPrintableAscii(options.title), width - 2 * kMargin, kTitleScale);
  layout.title_top = kMargin;
  const int title_band = layout.title.empty() ? 0 : TextHeight(kTitleScale) + 8;
  layout.plot.top = kMargin + title_band;
  layout.x_label = ToPrintableAscii(options.x_label);
  const int x_label_band = layout.x_label.empty() ? 0 : text_height + 6;
  layout.plot.bottom = height - kMargin - x_label_band - text_height - kTickLabelGap - kTickLength;
  layout.x_label_top = height - kMargin - text_height;

  // The legend sits right of the plot area, aligned with its top.
  const int max_legend_rows =
      (layout.plot.Height() - 2 * kLegendPadding + kLegendRowHeight - text_height) / kLegendRowHeight;
  layout.legend = ChooseLegendEntries(series, width, max_legend_rows);
  const int legend_band = layout.legend.entries.empty() ? 0 : layout.legend.box.Width() + kLegendGap;
  layout.plot.right = width - kMargin - legend_band;
  layout.legend.box = {layout.plot.right + kLegendGap, layout.plot.top, width - kMargin,
                       layout.plot.top + layout.legend.box.Height()};

  // The y-axis range and labels decide how much room the left side needs.
  const auto [x_low, x_high] =
      bounds.has_data ? PadEmptyRange(bounds.x_min, bounds.x_max, bounds.x_integers) : std::pair{0.0, 1.0};
  const auto [y_low, y_high] =
      bounds.has_data ? PadEmptyRange(bounds.y_min, bounds.y_max, false) : std::pair{0.0, 1.0};
  const int y_pixels = layout.plot.Height() - 2 * kDataInset;
  const AxisTicks y_axis = ComputeTicks(y_low, y_high, y_pixels / kMinYTickSpacing, true, 0.0);
  int y_label_width = 0;
  for (const Tick& tick : y_axis.ticks) {
    y_label_width = std::max(y_label_width, TextWidth(tick.label, kTextScale));
  }
  layout.y_label = ToPrintableAscii(options.y_label);
  layout.y_label_left = kMargin;
  const int y_label_band = layout.y_label.empty() ? 0 : text_height + 8;
  layout.plot.left = kMargin + y_label_band + y_label_width + kTickLabelGap + kTickLength;

  // Very long tick labels (up to 15 mantissa decimals) can leave no room
  // between them and the legend on a narrow image.
  if (layout.plot.Width() < kMinPlotAreaWidth && !layout.legend.entries.empty()) {
    // NOTE: the chart then has no legend at all.
    layout.legend = Legend{};
    layout.plot.right = width - kMargin;
  }
  layout.plot.right = std::max(layout.plot.right, layout.plot.left + kMinPlotAreaWidth);

  layout.y_scale = {y_axis.min, y_axis.max, static_cast<double>(layout.plot.bottom - kDataInset),
                    static_cast<double>(layout.plot.top + kDataInset)};
  layout.y_ticks = y_axis.ticks;

  AxisScale x_pixels{x_low, x_high, static_cast<double>(layout.plot.left + kDataInset),
                     static_cast<double>(layout.plot.right - kDataInset)};
  const double x_min_step = bounds.has_data && bounds.x_integers ? 1.0 : 0.0;
  const AxisTicks x_axis = ComputeXTicks(x_low, x_high, x_min_step, x_pixels);
  layout.x_scale = {x_axis.min, x_axis.max, x_pixels.pixel_at_min, x_pixels.pixel_at_max};
  layout.x_ticks = x_axis.ticks;

  layout.x_label = TruncateToWidth(layout.x_label, layout.plot.Width(), kTextScale);
  layout.y_label = TruncateToWidth(layout.y_label, layout.plot.Height(), kTextScale);
  return layout;
}

// Returns the pixel column or row of a tick, which grid lines and tick marks share.
int TickPixel(const AxisScale& scale, double value) { return static_cast<int>(std::floor(scale.ToPixel(value))); }

void DrawAxes(Canvas& canvas, const ChartLayout& layout) {
  const Rect& plot = layout.plot;

  for (const Tick& tick : layout.y_ticks) {
    const int y = TickPixel(layout.y_scale, tick.value);
    canvas.FillRect({plot.left + 1, y, plot.right - 1, y + 1}, kGridColor);
    canvas.FillRect({plot.left - kTickLength, y, plot.left, y + 1}, kFrameColor);
    const int label_right = plot.left - kTickLength - kTickLabelGap;
    canvas.DrawText(label_right - TextWidth(tick.label, kTextScale), y - kGlyphAscent * kTextScale / 2, tick.label,
                    kTextColor, kTextScale);
  }

  for (const Tick& tick : layout.x_ticks) {
    const int x = TickPixel(layout.x_scale, tick.value);
    canvas.FillRect({x, plot.top + 1, x + 1, plot.bottom - 1}, kGridColor);
    canvas.FillRect({x, plot.bottom, x + 1, plot.bottom + kTickLength}, kFrameColor);
    const int label_width = TextWidth(tick.label, kTextScale);
    const int label_left = std::clamp(x - label_width / 2, 0, canvas.width() - label_width);
    canvas.DrawText(label_left, plot.bottom + kTickLength + kTickLabelGap, tick.label, kTextColor, kTextScale);
  }

  canvas.StrokeRect(plot, kFrameColor);

  if (!layout.x_label.empty()) {
    const int label_width = TextWidth(layout.x_label, kTextScale);
    canvas.DrawText(plot.left + (plot.Width() - label_width) / 2, layout.x_label_top, layout.x_label, kTextColor,
                    kTextScale);
  }
  if (!layout.y_label.empty()) {
    const int label_width = TextWidth(layout.y_label, kTextScale);
    canvas.DrawTextUpward(layout.y_label_left, plot.bottom - (plot.Height() - label_width) / 2, layout.y_label,
                          kTextColor, kTextScale);
  }
}

void DrawSeries(Canvas& canvas, const ChartLayout& layout, const std::vector<PlotSeries>& series) {
  const Rect& plot = layout.plot;
  CoverageMask mask({plot.left + 1, plot.top + 1, plot.right - 1, plot.bottom - 1});
  for (std::size_t index = 0; index < series.size(); ++index) {
    std::optional<std::pair<double, double>> previous;
    for (const auto& point : series[index].points) {
      if (!IsFinitePoint(point)) {
        continue;
      }
      const std::pair<double, double> pixel{layout.x_scale.ToPixel(point.first), layout.y_scale.ToPixel(point.second)};
      if (previous) {
        mask.AddSegment(previous->first, previous->second, pixel.first, pixel.second, kLineHalfWidth);
      }
      mask.AddMarker(pixel.first, pixel.second, MarkerShapeOf(index), kMarkerRadius);
      previous = pixel;
    }
    mask.CompositeAndClear(canvas, PlotSeriesColor(index));
  }
}

void DrawLegend(Canvas& canvas, const Legend& legend) {
  if (legend.entries.empty()) {
    return;
  }
  canvas.FillRect(legend.box, kBackgroundColor);
  canvas.StrokeRect(legend.box, kLegendBorderColor);

  const Rect inside{legend.box.left + 1, legend.box.top + 1, legend.box.right - 1, legend.box.bottom - 1};
  CoverageMask mask(inside);
  int row_top = legend.box.top + kLegendPadding;
  for (const LegendEntry& entry : legend.entries) {
    const int text_left = legend.box.left + kLegendPadding + kLegendSwatchWidth + kLegendSwatchGap;
    if (entry.series_index) {
      // A short line with the series marker in its middle, centred on the capitals.
      const double swatch_y = row_top + kGlyphAscent * kTextScale / 2.0;
      const double swatch_left = legend.box.left + kLegendPadding;
      mask.AddSegment(swatch_left, swatch_y, swatch_left + kLegendSwatchWidth, swatch_y, kLineHalfWidth);
      mask.AddMarker(swatch_left + kLegendSwatchWidth / 2.0, swatch_y, MarkerShapeOf(*entry.series_index),
                     kMarkerRadius);
      mask.CompositeAndClear(canvas, PlotSeriesColor(*entry.series_index));
    }
    canvas.DrawText(text_left, row_top, entry.label, kTextColor, kTextScale);
    row_top += kLegendRowHeight;
  }
}

void DrawTitleAndNotes(Canvas& canvas, const ChartLayout& layout, bool has_data) {
  if (!layout.title.empty()) {
    const int title_width = TextWidth(layout.title, kTitleScale);
    const int centred = layout.plot.left + (layout.plot.Width() - title_width) / 2;
    const int left = std::clamp(centred, kMargin, canvas.width() - kMargin - title_width);
    canvas.DrawText(left, layout.title_top, layout.title, kTextColor, kTitleScale);
  }
  if (!has_data) {
    constexpr std::string_view kNoData = "no data";
    const int note_width = TextWidth(kNoData, kTitleScale);
    canvas.DrawText(layout.plot.left + (layout.plot.Width() - note_width) / 2,
                    layout.plot.top + (layout.plot.Height() - kGlyphAscent * kTitleScale) / 2, kNoData, kTextColor,
                    kTitleScale);
  }
}

void ValidateSize(const PlotOptions& options) {
  if (options.width < kMinPlotWidth || options.width > kMaxPlotSize || options.height < kMinPlotHeight ||
      options.height > kMaxPlotSize) {
    throw std::invalid_argument("invalid plot size " + std::to_string(options.width) + "x" +
                                std::to_string(options.height) + ": width must be in [" +
                                std::to_string(kMinPlotWidth) + ", " + std::to_string(kMaxPlotSize) +
                                "] and height in [" + std::to_string(kMinPlotHeight) + ", " +
                                std::to_string(kMaxPlotSize) + "] pixels");
  }
}

}  // namespace

PlotColor PlotSeriesColor(std::size_t series_index) { return kPalette[series_index % kPalette.size()]; }

std::string RenderLinePlotPng(const std::vector<PlotSeries>& series, const PlotOptions& options) {
  ValidateSize(options);
  const DataBounds bounds = FindDataBounds(series);
  const ChartLayout layout = ComputeLayout(series, options, bounds);

  Canvas canvas(options.width, options.height, kBackgroundColor);
  DrawAxes(canvas, layout);
  DrawSeries(canvas, layout, series);
  DrawLegend(canvas, layout.legend);
  DrawTitleAndNotes(canvas, layout, bounds.has_data);
  return EncodePng(canvas.width(), canvas.height(), canvas.rgb());
}

bool WriteLinePlotPng(const std::string& path, const std::vector<PlotSeries>& series, const PlotOptions& options,
                      std::string* error) {
  const auto fail = [&](const std::string& message) {
    if (error != nullptr) {
      *error = message;
    }
    return false;
  };

  std::string png;
  try {
    png = RenderLinePlotPng(series, options);
  } catch (const std::invalid_argument& invalid) {
    return fail(std::string("failed to render plot '") + path + "': " + invalid.what());
  }

  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    return fail("failed to open '" + path + "' for writing: " + std::strerror(errno));
  }
  const bool written = std::fwrite(png.data(), 1, png.size(), file) == png.size();
  const int write_errno = errno;
  const bool closed = std::fclose(file) == 0;
  if (!written || !closed) {
    const int cause = written ? errno : write_errno;
    std::remove(path.c_str());
    return fail("failed to write plot '" + path + "': " + std::strerror(cause));
  }
  return true;
}

}  // namespace orc::sim
