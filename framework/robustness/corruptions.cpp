#include "robustness/corruptions.h"

#include <ATen/Parallel.h>
#include <jpeglib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <utility>

// Source of every parameter list below: hendrycks/robustness,
// ImageNet-C/create_c/make_cifar_c.py (the CIFAR-10-C generator), read at commit
// ca360085d57889288c4143fddd8a707bbcae01bd. Lists are indexed by severity − 1.
//
// Deliberate differences from that script, common to all corruptions:
//  - it maps uint8 PIL images to uint8 (np.uint8 truncation of the float result);
//    here input and output stay float in [0,1] (JPEG alone quantises, being a
//    codec of 8-bit samples);
//  - its images are RGB 32×32; here C = 1 or 3 and any H×W, with every per-axis
//    size computed from H or W where the script hard-codes 32;
//  - its randomness is numpy's global RNG; here a seeded CPU torch::Generator.

namespace neuroreg {
namespace {

const std::vector<std::string> kNames = {
    "gaussian_noise", "shot_noise", "impulse_noise", "defocus_blur", "motion_blur",
    "zoom_blur",      "contrast",   "brightness",    "pixelate",     "jpeg_compression"};

std::string known_list() {
  std::string out;
  for (const auto& name : kNames) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// ---------------------------------------------------------------------------
// Shared helpers.

// True with probability p for each element of `sizes`: float uniform draws from the
// CPU generator compared on the CPU (so the mask is the same for every dtype and
// device), then moved to `device`.
torch::Tensor bernoulli_mask(torch::IntArrayRef sizes, double p, torch::Generator& generator,
                             torch::Device device) {
  return (at::rand(sizes, generator, torch::kFloat) < p).to(device);
}

// cv2::borderInterpolate(p, n, BORDER_REFLECT_101) (reflection without repeating the
// edge pixel: ... 2 1 | 0 1 2 ... n-1 | n-2 ...), for any padding, even p ≥ n.
int64_t reflect101(int64_t p, int64_t n) {
  if (n == 1) return 0;
  while (p < 0 || p >= n) p = p < 0 ? -p : 2 * (n - 1) - p;
  return p;
}

// Pads the last two dimensions by `pad` with BORDER_REFLECT_101, for any image size
// (torch's "reflect" mode refuses a pad ≥ the size).
torch::Tensor pad_reflect101(const torch::Tensor& x, int64_t pad) {
  auto indices = [&](int64_t n) {
    std::vector<int64_t> index;
    for (int64_t p = -pad; p < n + pad; ++p) index.push_back(reflect101(p, n));
    return torch::tensor(index, torch::kLong).to(x.device());
  };
  return x.index_select(-2, indices(x.size(-2))).index_select(-1, indices(x.size(-1)));
}

// Applies the separable linear map rows (H'×H) and cols (W'×W), both double on the
// CPU, to every image: rows · x · colsᵀ.
torch::Tensor apply_separable(const torch::Tensor& x, const torch::Tensor& rows,
                              const torch::Tensor& cols) {
  const auto options = x.options();
  return torch::matmul(torch::matmul(rows.to(options), x), cols.to(options).t());
}

// ---------------------------------------------------------------------------
// Noise.

// gaussian_noise: c = [0.04, 0.06, .08, .09, .10]; x + N(0, c²), clipped.
torch::Tensor gaussian_noise(const torch::Tensor& x, int severity, torch::Generator& generator) {
  constexpr std::array<double, 5> kSigma = {0.04, 0.06, 0.08, 0.09, 0.10};
  // One standard-normal draw scaled by c, as noise_eval does: with one seed the
  // severities differ only in scale.
  const torch::Tensor noise =
      at::normal(0.0, 1.0, x.sizes(), generator, torch::kFloat).to(x.device(), x.scalar_type());
  return x + kSigma[severity - 1] * noise;
}

// shot_noise: c = [500, 250, 100, 75, 50]; Poisson(x·c)/c, clipped.
torch::Tensor shot_noise(const torch::Tensor& x, int severity, torch::Generator& generator) {
  constexpr std::array<double, 5> kPhotons = {500, 250, 100, 75, 50};
  const double c = kPhotons[severity - 1];
  const torch::Tensor rates = x.detach().to(torch::kCPU, torch::kFloat).clamp(0.0, 1.0) * c;
  return at::poisson(rates, generator).to(x.device(), x.scalar_type()) / c;
}

// impulse_noise: c = [.01, .02, .03, .05, .07]; skimage random_noise(mode='s&p',
// amount=c, salt_vs_pepper=0.5): every sample (channels independently) is hit with
// probability c, and a hit sample becomes 1 or 0 with even odds.
torch::Tensor impulse_noise(const torch::Tensor& x, int severity, torch::Generator& generator) {
  constexpr std::array<double, 5> kAmount = {0.01, 0.02, 0.03, 0.05, 0.07};
  const torch::Tensor hit = bernoulli_mask(x.sizes(), kAmount[severity - 1], generator, x.device());
  const torch::Tensor salt = bernoulli_mask(x.sizes(), 0.5, generator, x.device());
  torch::Tensor out = x.clone();
  out.masked_fill_(hit & salt, 1.0);
  out.masked_fill_(hit & salt.logical_not(), 0.0);
  return out;
}

// ---------------------------------------------------------------------------
// Blur.

// defocus_blur: c = [(0.3, 0.4), (0.4, 0.5), (0.5, 0.6), (1, 0.2), (1.5, 0.1)] as
// (radius, alias_blur). The script's disk(): on the grid L = arange(-8, 9) (radius ≤ 8,
// which all CIFAR radii are), the aliased disk X²+Y² ≤ r², normalised to sum 1, then
// cv2.GaussianBlur(ksize=(3,3), sigmaX=alias_blur); the image is filtered with
// cv2.filter2D, whose default border is BORDER_REFLECT_101.
torch::Tensor defocus_kernel(double radius, double alias_blur) {
  constexpr int kHalf = 8, kSize = 2 * kHalf + 1;
  std::vector<double> disk(kSize * kSize, 0.0);
  double total = 0;
  for (int y = -kHalf; y <= kHalf; ++y)
    for (int x = -kHalf; x <= kHalf; ++x)
      if (x * x + y * y <= radius * radius) {
        disk[(y + kHalf) * kSize + (x + kHalf)] = 1.0;
        total += 1.0;
      }
  for (double& v : disk) v /= total;
  // cv2.getGaussianKernel(3, sigma): exp(−i²/(2σ²)) at i = −1, 0, 1, normalised.
  const double side = std::exp(-1.0 / (2.0 * alias_blur * alias_blur));
  const std::array<double, 3> g = {side / (1 + 2 * side), 1 / (1 + 2 * side),
                                   side / (1 + 2 * side)};
  auto at = [&](const std::vector<double>& img, int y, int x) {
    return img[reflect101(y, kSize) * kSize + reflect101(x, kSize)];
  };
  std::vector<double> across(kSize * kSize), blurred(kSize * kSize);
  for (int y = 0; y < kSize; ++y)
    for (int x = 0; x < kSize; ++x)
      across[y * kSize + x] =
          g[0] * at(disk, y, x - 1) + g[1] * at(disk, y, x) + g[2] * at(disk, y, x + 1);
  for (int y = 0; y < kSize; ++y)
    for (int x = 0; x < kSize; ++x)
      blurred[y * kSize + x] =
          g[0] * at(across, y - 1, x) + g[1] * at(across, y, x) + g[2] * at(across, y + 1, x);
  // Trim to the smallest centred square holding every non-zero tap (5×5 for r ≤ 1.5).
  int reach = 0;
  for (int y = 0; y < kSize; ++y)
    for (int x = 0; x < kSize; ++x)
      if (blurred[y * kSize + x] != 0.0)
        reach = std::max({reach, std::abs(y - kHalf), std::abs(x - kHalf)});
  const int size = 2 * reach + 1;
  torch::Tensor kernel = torch::empty({1, 1, size, size}, torch::kDouble);
  auto k = kernel.accessor<double, 4>();
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x)
      k[0][0][y][x] = blurred[(y + kHalf - reach) * kSize + (x + kHalf - reach)];
  return kernel;
}

torch::Tensor defocus_blur(const torch::Tensor& x, int severity) {
  constexpr std::array<std::pair<double, double>, 5> kDisk = {
      {{0.3, 0.4}, {0.4, 0.5}, {0.5, 0.6}, {1.0, 0.2}, {1.5, 0.1}}};
  const torch::Tensor kernel =
      defocus_kernel(kDisk[severity - 1].first, kDisk[severity - 1].second);
  const int64_t size = kernel.size(-1), h = x.size(2), w = x.size(3);
  // filter2D as a sum of shifted copies, one per non-zero tap (at most 25): several
  // times faster on the CPU than conv2d with a single-channel kernel.
  const torch::Tensor padded = pad_reflect101(x, size / 2);
  const auto k = kernel.accessor<double, 4>();
  torch::Tensor out = torch::zeros_like(x);
  for (int64_t dy = 0; dy < size; ++dy)
    for (int64_t dx = 0; dx < size; ++dx)
      if (k[0][0][dy][dx] != 0.0)
        out.add_(padded.slice(2, dy, dy + h).slice(3, dx, dx + w), k[0][0][dy][dx]);
  return out;
}

// motion_blur: c = [(6,1), (6,1.5), (6,2), (8,2), (9,2.5)] as (radius, sigma), angle
// uniform in [−45°, 45°) per image. NOTE: the brief quoted
// [(10,1), (10,1.5), (10,2), (10,2.5), (12,3)]; that is the Tiny-ImageNet list
// (make_tinyimagenet_c.py, and scale='tin' in bethgelab/imagecorruptions), whereas
// make_cifar_c.py has the list used here.
//
// The script calls ImageMagick's MagickMotionBlurImage through Wand, which is not
// available here, so this re-implements that C routine (MagickCore/effect.c,
// MotionBlurImage) as a line-kernel filter: width = 2·ceil(radius)+1 taps,
// weight_i ∝ exp(−i²/(2σ²)) for i = 0..width−1 (normalised to 1), tap i reads the pixel
// at offset (ceil(i·cos θ − ½), ceil(i·sin θ − ½)) in (x, y), and pixels beyond the
// border repeat the edge pixel (ImageMagick's default "edge" virtual pixels). It is a
// one-sided (trailing) blur, as ImageMagick's is. Done as one gather per tap, batched
// over images with each image's own angle. bethgelab/imagecorruptions' numpy version
// instead stops at the first tap that leaves the image; ImageMagick does not.
torch::Tensor motion_blur(const torch::Tensor& x, int severity, torch::Generator& generator) {
  constexpr std::array<std::pair<int, double>, 5> kMotion = {
      {{6, 1.0}, {6, 1.5}, {6, 2.0}, {8, 2.0}, {9, 2.5}}};
  const int radius = kMotion[severity - 1].first;
  const double sigma = kMotion[severity - 1].second;
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  const int width = 2 * radius + 1;

  std::vector<double> weight(width);
  double total = 0;
  for (int i = 0; i < width; ++i) total += weight[i] = std::exp(-(i * i) / (2 * sigma * sigma));
  for (double& v : weight) v /= total;

  const torch::Tensor angles = at::rand({n}, generator, torch::kDouble) * 90.0 - 45.0;
  const auto degrees = angles.accessor<double, 1>();
  torch::Tensor dx = torch::empty({width, n}, torch::kLong);
  torch::Tensor dy = torch::empty({width, n}, torch::kLong);
  auto ox = dx.accessor<int64_t, 2>();
  auto oy = dy.accessor<int64_t, 2>();
  for (int64_t image = 0; image < n; ++image) {
    const double theta = degrees[image] * (3.14159265358979323846 / 180.0);
    const double px = width * std::sin(theta), py = width * std::cos(theta);
    const double length = std::hypot(px, py);
    for (int i = 0; i < width; ++i) {
      ox[i][image] = static_cast<int64_t>(std::ceil(i * py / length - 0.5));
      oy[i][image] = static_cast<int64_t>(std::ceil(i * px / length - 0.5));
    }
  }
  dx = dx.to(x.device());
  dy = dy.to(x.device());
  const auto index_options = torch::TensorOptions().dtype(torch::kLong).device(x.device());
  const torch::Tensor ys = torch::arange(h, index_options).unsqueeze(0);  // 1×H
  const torch::Tensor xs = torch::arange(w, index_options).unsqueeze(0);  // 1×W
  const torch::Tensor flat = x.reshape({n, c, h * w});
  torch::Tensor out = torch::zeros_like(flat);
  for (int i = 0; i < width; ++i) {
    const torch::Tensor rows = (ys + dy[i].unsqueeze(1)).clamp(0, h - 1);  // N×H
    const torch::Tensor cols = (xs + dx[i].unsqueeze(1)).clamp(0, w - 1);  // N×W
    const torch::Tensor index =
        (rows.unsqueeze(2) * w + cols.unsqueeze(1)).reshape({n, 1, h * w}).expand({n, c, h * w});
    out.add_(flat.gather(2, index), weight[i]);
  }
  return out.reshape({n, c, h, w});
}

// The script's clipped_zoom(img, z), per axis of size n: crop ch = ceil(n/z) samples
// starting at (n − ch)//2, scipy.ndimage.zoom(order=1) them to m = round(ch·z) samples
// (scipy's default grid_mode=False maps output o to input o·(ch−1)/(m−1), i.e.
// corner-aligned linear interpolation: interpolate(align_corners=true)), and keep n
// samples from (m − n)//2.
struct AxisZoom {
  int64_t top, crop, zoomed, trim;
};

AxisZoom clipped_zoom_axis(int64_t n, double zoom) {
  const auto crop = static_cast<int64_t>(std::ceil(static_cast<double>(n) / zoom));
  const auto zoomed = static_cast<int64_t>(std::nearbyint(static_cast<double>(crop) * zoom));
  return {(n - crop) / 2, crop, zoomed, (zoomed - n) / 2};
}

torch::Tensor clipped_zoom(const torch::Tensor& x, double zoom) {
  namespace F = torch::nn::functional;
  const int64_t h = x.size(2), w = x.size(3);
  const AxisZoom rows = clipped_zoom_axis(h, zoom), cols = clipped_zoom_axis(w, zoom);
  const torch::Tensor crop =
      x.slice(2, rows.top, rows.top + rows.crop).slice(3, cols.top, cols.top + cols.crop);
  const torch::Tensor zoomed =
      F::interpolate(crop, F::InterpolateFuncOptions()
                               .size(std::vector<int64_t>{rows.zoomed, cols.zoomed})
                               .mode(torch::kBilinear)
                               .align_corners(true));
  return zoomed.slice(2, rows.trim, rows.trim + h).slice(3, cols.trim, cols.trim + w);
}

// zoom_blur: c = [arange(1, 1.06, .01), arange(1, 1.11, .01), arange(1, 1.16, .01),
// arange(1, 1.21, .01), arange(1, 1.26, .01)]; the result is (x + Σ_z clipped_zoom(x, z))
// / (len(c) + 1). numpy's arange has ceil((stop − start)/step) elements, which in
// floating point gives 7, 12, 16, 21, 26 factors (1.00..1.06, 1.00..1.11, 1.00..1.15,
// 1.00..1.20, 1.00..1.25); its values are start + i·(fl(start + step) − start).
// The script trims both axes with the height (its images are square); here each axis
// uses its own size. Note that the script's crops round down, so the small zooms of a
// 32×32 image are anchored near the top-left rather than exactly at the centre; this
// is kept.
torch::Tensor zoom_blur(const torch::Tensor& x, int severity) {
  constexpr std::array<double, 5> kStop = {1.06, 1.11, 1.16, 1.21, 1.26};
  const double start = 1.0, step = 0.01;
  const auto count = static_cast<int64_t>(std::ceil((kStop[severity - 1] - start) / step));
  const double delta = (start + step) - start;
  torch::Tensor sum = x.clone();
  for (int64_t i = 0; i < count; ++i) {
    const double zoom = start + static_cast<double>(i) * delta;
    sum += clipped_zoom(x, zoom);
  }
  return sum / static_cast<double>(count + 1);
}

// ---------------------------------------------------------------------------
// Digital / photometric.

// contrast: c = [.75, .5, .4, .3, 0.15]; (x − mean) · c + mean, the mean taken per
// image and channel over the pixels.
torch::Tensor contrast(const torch::Tensor& x, int severity) {
  constexpr std::array<double, 5> kFactor = {0.75, 0.5, 0.4, 0.3, 0.15};
  const torch::Tensor mean = x.mean({2, 3}, /*keepdim=*/true);
  return (x - mean) * kFactor[severity - 1] + mean;
}

// brightness: c = [.05, .1, .15, .2, .3]; skimage rgb2hsv, V ← clip(V + c, 0, 1),
// hsv2rgb. With H and S fixed an RGB pixel is V times a fixed colour, so this is
// x · V'/V with V = max over channels (a black pixel, S = 0, becomes grey V'). For a
// grayscale image V is the pixel itself: x + c, clipped.
torch::Tensor brightness(const torch::Tensor& x, int severity) {
  constexpr std::array<double, 5> kShift = {0.05, 0.1, 0.15, 0.2, 0.3};
  const double c = kShift[severity - 1];
  if (x.size(1) == 1) return x + c;
  const torch::Tensor value = std::get<0>(x.max(1, /*keepdim=*/true));
  const torch::Tensor shifted = (value + c).clamp(0.0, 1.0);
  return torch::where(value > 0, x * (shifted / value.clamp_min(1e-12)), shifted.expand_as(x));
}

// PIL's Resample.c precompute_coeffs for the BOX filter (support 0.5, box(t) = 1 for
// −0.5 < t ≤ 0.5), as an out×in matrix: output pixel j averages the input pixels whose
// centres fall in its footprint (down-sampling); up-sampling it picks the nearest one.
torch::Tensor pil_box_matrix(int64_t in, int64_t out) {
  torch::Tensor matrix = torch::zeros({out, in}, torch::kDouble);
  auto a = matrix.accessor<double, 2>();
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  const double filterscale = std::max(scale, 1.0);
  const double support = 0.5 * filterscale;
  const double ss = 1.0 / filterscale;
  for (int64_t j = 0; j < out; ++j) {
    const double center = (static_cast<double>(j) + 0.5) * scale;
    const auto xmin = std::max<int64_t>(0, static_cast<int64_t>(center - support + 0.5));
    const auto xmax = std::min<int64_t>(in, static_cast<int64_t>(center + support + 0.5));
    double total = 0;
    for (int64_t i = xmin; i < xmax; ++i) {
      const double t = (static_cast<double>(i) - center + 0.5) * ss;
      if (t > -0.5 && t <= 0.5) {
        a[j][i] = 1.0;
        total += 1.0;
      }
    }
    if (total > 0)
      for (int64_t i = xmin; i < xmax; ++i) a[j][i] /= total;
  }
  return matrix;
}

// pixelate: c = [0.95, 0.9, 0.85, 0.75, 0.65]; PIL resize to int(size·c) with BOX, then
// back to size with BOX (which, up-sampling, is nearest-neighbour).
torch::Tensor pixelate(const torch::Tensor& x, int severity) {
  constexpr std::array<double, 5> kScale = {0.95, 0.9, 0.85, 0.75, 0.65};
  auto axis = [&](int64_t size) {
    const int64_t small = std::max<int64_t>(
        1, static_cast<int64_t>(static_cast<double>(size) * kScale[severity - 1]));
    return torch::matmul(pil_box_matrix(small, size), pil_box_matrix(size, small));
  };
  return apply_separable(x, axis(x.size(2)), axis(x.size(3)));
}

// jpeg_compression: quality = [80, 65, 58, 50, 40]; PIL's img.save(..., 'JPEG',
// quality=c) then decode, i.e. libjpeg with its defaults (baseline, Huffman tables not
// optimised, 4:2:0 chroma for RGB, islow DCT) and the standard tables scaled to the
// quality. Samples are quantised to 8 bits first (round(255·x)), as the script's images
// are uint8. Grayscale images are coded as one-component JPEGs.
struct JpegJob {
  jpeg_error_mgr error{};
  std::jmp_buf jump{};
  char message[JMSG_LENGTH_MAX] = {};
  jpeg_compress_struct encoder{};
  jpeg_decompress_struct decoder{};
  bool encoder_live = false, decoder_live = false;
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
};

void jpeg_fail(j_common_ptr info) {
  // `error` is the first member, so the error manager's address is the job's.
  auto* job = reinterpret_cast<JpegJob*>(info->err);
  (*info->err->format_message)(info, job->message);
  std::longjmp(job->jump, 1);
}

void jpeg_quiet(j_common_ptr) {}

// Encodes and decodes one interleaved H×W×C 8-bit image. All state lives in *job (the
// caller's frame), so nothing set after setjmp is lost by the longjmp. Returns false
// with job->message filled on a codec error.
bool jpeg_roundtrip(JpegJob* job, const unsigned char* pixels, unsigned char* decoded, int width,
                    int height, int components, int quality) {
  job->encoder.err = jpeg_std_error(&job->error);
  job->decoder.err = &job->error;
  job->error.error_exit = jpeg_fail;
  job->error.output_message = jpeg_quiet;
  if (setjmp(job->jump)) {
    if (job->encoder_live) jpeg_destroy_compress(&job->encoder);
    if (job->decoder_live) jpeg_destroy_decompress(&job->decoder);
    std::free(job->buffer);
    job->buffer = nullptr;
    return false;
  }
  const J_COLOR_SPACE space = components == 3 ? JCS_RGB : JCS_GRAYSCALE;
  const size_t stride = static_cast<size_t>(width) * components;

  jpeg_create_compress(&job->encoder);
  job->encoder_live = true;
  jpeg_mem_dest(&job->encoder, &job->buffer, &job->size);
  job->encoder.image_width = width;
  job->encoder.image_height = height;
  job->encoder.input_components = components;
  job->encoder.in_color_space = space;
  jpeg_set_defaults(&job->encoder);
  jpeg_set_quality(&job->encoder, quality, TRUE);
  jpeg_start_compress(&job->encoder, TRUE);
  while (job->encoder.next_scanline < job->encoder.image_height) {
    JSAMPROW row = const_cast<unsigned char*>(pixels + job->encoder.next_scanline * stride);
    jpeg_write_scanlines(&job->encoder, &row, 1);
  }
  jpeg_finish_compress(&job->encoder);
  jpeg_destroy_compress(&job->encoder);
  job->encoder_live = false;

  jpeg_create_decompress(&job->decoder);
  job->decoder_live = true;
  jpeg_mem_src(&job->decoder, job->buffer, job->size);
  jpeg_read_header(&job->decoder, TRUE);
  job->decoder.out_color_space = space;
  jpeg_start_decompress(&job->decoder);
  if (static_cast<int>(job->decoder.output_width) != width ||
      static_cast<int>(job->decoder.output_height) != height ||
      job->decoder.output_components != components) {
    std::snprintf(job->message, sizeof(job->message), "decoded image has another shape");
    jpeg_destroy_decompress(&job->decoder);
    job->decoder_live = false;
    std::free(job->buffer);
    job->buffer = nullptr;
    return false;
  }
  while (job->decoder.output_scanline < job->decoder.output_height) {
    JSAMPROW row = decoded + job->decoder.output_scanline * stride;
    jpeg_read_scanlines(&job->decoder, &row, 1);
  }
  jpeg_finish_decompress(&job->decoder);
  jpeg_destroy_decompress(&job->decoder);
  job->decoder_live = false;
  std::free(job->buffer);
  job->buffer = nullptr;
  return true;
}

torch::Tensor jpeg_compression(const torch::Tensor& x, int severity) {
  constexpr std::array<int, 5> kQuality = {80, 65, 58, 50, 40};
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  const torch::Tensor samples = (x.detach().to(torch::kCPU, torch::kFloat).clamp(0.0, 1.0) * 255.0)
                                    .round()
                                    .to(torch::kUInt8)
                                    .permute({0, 2, 3, 1})
                                    .contiguous();  // N×H×W×C
  torch::Tensor decoded = torch::empty_like(samples);
  const unsigned char* in = samples.data_ptr<uint8_t>();
  unsigned char* out = decoded.data_ptr<uint8_t>();
  const int64_t image_bytes = h * w * c;
  std::vector<std::string> errors(n);
  at::parallel_for(0, n, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      auto job = std::make_unique<JpegJob>();
      if (!jpeg_roundtrip(job.get(), in + i * image_bytes, out + i * image_bytes,
                          static_cast<int>(w), static_cast<int>(h), static_cast<int>(c),
                          kQuality[severity - 1]))
        errors[i] = job->message;
    }
  });
  for (int64_t i = 0; i < n; ++i)
    if (!errors[i].empty())
      throw std::runtime_error("jpeg_compression: libjpeg failed on image " + std::to_string(i) +
                               ": " + errors[i]);
  return decoded.permute({0, 3, 1, 2}).to(x.device(), x.scalar_type()) / 255.0;
}

void check_batch(const torch::Tensor& images) {
  if (!images.defined()) throw std::invalid_argument("corrupt: the image batch is undefined");
  if (images.dim() != 4)
    throw std::invalid_argument("corrupt: expected images N×C×H×W, got " +
                                std::to_string(images.dim()) + " dimensions");
  if (!images.is_floating_point())
    throw std::invalid_argument("corrupt: expected floating-point images in [0,1]");
  if (images.size(1) != 1 && images.size(1) != 3)
    throw std::invalid_argument("corrupt: expected 1 or 3 channels, got " +
                                std::to_string(images.size(1)));
  if (images.size(2) < 1 || images.size(3) < 1)
    throw std::invalid_argument("corrupt: images must be at least 1×1");
}

}  // namespace

const std::vector<std::string>& corruption_names() { return kNames; }

torch::Tensor corrupt(const torch::Tensor& images, const std::string& name, int severity,
                      torch::Generator& generator) {
  if (std::find(kNames.begin(), kNames.end(), name) == kNames.end())
    throw std::invalid_argument("unknown corruption '" + name +
                                "' (known corruptions: " + known_list() + ")");
  if (severity < 1 || severity > kCorruptionSeverities)
    throw std::invalid_argument("corruption '" + name + "': severity " + std::to_string(severity) +
                                " is out of range (expected 1..5)");
  if (!generator.device().is_cpu())
    throw std::invalid_argument("corrupt: the generator must be a CPU generator");
  check_batch(images);
  if (images.size(0) == 0) return images.detach().clone();

  torch::NoGradGuard no_grad;
  // Work in float (double stays double); the result goes back to the input's dtype.
  const torch::Tensor x = images.detach().scalar_type() == torch::kDouble
                              ? images.detach()
                              : images.detach().to(torch::kFloat);
  torch::Tensor out;
  if (name == "gaussian_noise")
    out = gaussian_noise(x, severity, generator);
  else if (name == "shot_noise")
    out = shot_noise(x, severity, generator);
  else if (name == "impulse_noise")
    out = impulse_noise(x, severity, generator);
  else if (name == "defocus_blur")
    out = defocus_blur(x, severity);
  else if (name == "motion_blur")
    out = motion_blur(x, severity, generator);
  else if (name == "zoom_blur")
    out = zoom_blur(x, severity);
  else if (name == "contrast")
    out = contrast(x, severity);
  else if (name == "brightness")
    out = brightness(x, severity);
  else if (name == "pixelate")
    out = pixelate(x, severity);
  else
    out = jpeg_compression(x, severity);
  return out.clamp(0.0, 1.0).to(images.scalar_type());
}

torch::Tensor corrupt(const torch::Tensor& images, const std::string& name, int severity,
                      uint64_t seed) {
  torch::Generator generator = at::detail::createCPUGenerator(seed);
  return corrupt(images, name, severity, generator);
}

}  // namespace neuroreg
