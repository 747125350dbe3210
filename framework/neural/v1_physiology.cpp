#include "neural/v1_physiology.h"

#include <absl/strings/str_format.h>

#include <cmath>
#include <stdexcept>

namespace neuroreg {
namespace {

constexpr double kPi = 3.14159265358979323846;

double full_angle_deg(double size_cm, double distance_cm) {
  return 2 * std::atan(size_cm / (2 * distance_cm)) * 180 / kPi;
}

}  // namespace

V1Physiology parse_physiology(const std::string& name) {
  if (name == "mouse") return V1Physiology::kMouse;
  if (name == "legacy") return V1Physiology::kLegacy;
  throw std::invalid_argument("unknown --physiology '" + name + "'; expected mouse or legacy");
}

std::string physiology_name(V1Physiology physiology) {
  return physiology == V1Physiology::kMouse ? "mouse" : "legacy";
}

double ScreenGeometry::width_deg() const { return full_angle_deg(width_cm, distance_cm); }
double ScreenGeometry::height_deg() const { return full_angle_deg(height_cm, distance_cm); }
double ScreenGeometry::deg_per_pixel_x(int64_t width_pixels) const {
  return width_deg() / static_cast<double>(width_pixels);
}
double ScreenGeometry::deg_per_pixel_y(int64_t height_pixels) const {
  return height_deg() / static_cast<double>(height_pixels);
}

double MouseV1Tuning::envelope_constant() const {
  const double octaves = std::exp2(bandwidth_octaves);
  return std::sqrt(std::log(2.0) / 2) / kPi * (octaves + 1) / (octaves - 1);
}

std::string describe_physiology(V1Physiology physiology, int64_t height, int64_t width) {
  if (physiology == V1Physiology::kLegacy) {
    return "physiology: legacy (the earlier simulator, a sensitivity arm): spatial frequency "
           "log-uniform 0.1-0.3 cycles/pixel, envelope sigma = 0.35/f (at least 1.5 pixels), "
           "receptive-field centres uniform over the central half of the screen, half-saturation "
           "c50 = the neuron's median drive (floored at 1e-6), no spontaneous rate; targets "
           "without Eq. 1 weighting\n";
  }
  const ScreenGeometry screen;
  const MouseV1Tuning tuning;
  const double k = tuning.envelope_constant();
  const double dx = screen.deg_per_pixel_x(width), dy = screen.deg_per_pixel_y(height);
  return absl::StrFormat(
      "physiology: mouse (parameters from mouse V1 physiology, fixed before any robustness "
      "result)\n"
      "  screen: %g x %g cm at %g cm from the eye (Sinz et al. 2018, Walker et al. 2019, "
      "Sensorium) subtends %.1f x %.1f deg; the %dx%d stimulus fills it; planar approximation: "
      "%.3f deg/pixel horizontally, %.3f vertically (angle shared evenly among pixels)\n"
      "  preferred spatial frequency: log-normal, median %g cycles/deg, sigma %g octave, "
      "truncated to %g-%g cycles/deg (Niell & Stryker 2008, J Neurosci 28:7520); the median is "
      "%.3f cycles/pixel horizontally\n"
      "  envelope: SF bandwidth %g octaves, sigma = %.3f/f along the carrier, 1/0.7 of that "
      "along the bars; receptive-field FWHM %.0f deg at the median SF, %.0f-%.0f deg at "
      "0.03-0.09 cycles/deg (mouse V1 fields are ~10-30 deg, Niell & Stryker 2008)\n"
      "  receptive-field centres uniform over the whole screen; orientation and phase uniform\n"
      "  response: rate = r_max (s + (1 - s) u^2/(c50^2 + u^2)), u the rectified linear drive "
      "(simple cells) or quadrature energy (complex cells), c50 = RMS of the neuron's "
      "unrectified drive over the stimuli (never 0), spontaneous fraction s = %g\n",
      screen.width_cm, screen.height_cm, screen.distance_cm, screen.width_deg(),
      screen.height_deg(), height, width, dx, dy, tuning.sf_median_cpd, tuning.sf_sigma_octaves,
      tuning.sf_min_cpd, tuning.sf_max_cpd, tuning.sf_median_cpd * dx, tuning.bandwidth_octaves, k,
      2.3548 * k / tuning.sf_median_cpd, 2.3548 * k / 0.09, 2.3548 * k / 0.03,
      tuning.spontaneous_fraction);
}

}  // namespace neuroreg
