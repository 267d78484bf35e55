// PNG encoding for the images of simulator reports.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace orc::sim {

// Encodes an 8-bit RGB image as a PNG file and returns the file's bytes.
//
// `rgb` contains `height` rows of `width` pixels, top row first, 3 bytes per
// pixel (red, green, blue). The file contains only IHDR, IDAT and IEND chunks,
// with no timestamp, so equal images give equal bytes as long as the zlib
// version stays the same. Throws std::invalid_argument when width or height is
// not positive or rgb.size() is not width * height * 3, and std::runtime_error
// when zlib fails to compress the image.
std::string EncodePng(int width, int height, const std::vector<std::uint8_t>& rgb);

}  // namespace orc::sim
