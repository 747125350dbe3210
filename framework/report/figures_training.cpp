// Training curves: loss, accuracy and the layer weights γ vs epoch.
#include <algorithm>
#include <cmath>
#include <limits>

#include "report/figures.h"
#include "report/measured.h"
#include "report/metrics.h"

namespace neuroreg {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// One point per epoch: the group's mean over seeds, NaN (a gap) where none.
PlotSeries epoch_curve(const std::string& name, const GroupSummary& g, const std::string& field,
                       int epochs, double scale, int colour) {
  PlotSeries series{name, {}, {}, {}, false, colour};
  for (int e = 1; e <= epochs; ++e) {
    const Summary* s = g.find(epoch_metric(e, field));
    series.x.push_back(e);
    series.y.push_back(s != nullptr && s->n > 0 ? scale * s->mean : kNaN);
  }
  return series;
}

}  // namespace

std::vector<PlotSpec> training_figures(const std::vector<CellResult>& cells,
                                       const std::vector<GroupSummary>& groups) {
  const int epochs = measured_epochs(cells);
  if (epochs == 0) return {};
  std::vector<PlotSpec> figures;
  const std::string mean_note = "Mean over each group's seeds.";
  // Whole epochs on the x axis, about ten tics however long the run.
  auto epoch_axis = [epochs](PlotSpec& fig) {
    fig.x_label = "epoch";
    fig.x_min = 1;
    fig.x_max = std::max(2, epochs);
    fig.x_tic_step = std::max(1, (epochs + 9) / 10);
  };

  PlotSpec loss;
  loss.name = "training_loss";
  loss.title = "Training loss L_task + α·L_sim";
  epoch_axis(loss);
  loss.y_label = "loss (mean over the epoch's batches)";
  loss.caption = mean_note;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    loss.series.push_back(epoch_curve(groups[i].group, groups[i], "loss", epochs, 1, int(i)));
  }
  figures.push_back(std::move(loss));

  const bool validation = any_validation(cells);
  PlotSpec accuracy;
  accuracy.name = validation ? "training_validation_accuracy" : "training_train_accuracy";
  accuracy.title = validation ? "Validation accuracy" : "Training accuracy";
  epoch_axis(accuracy);
  accuracy.y_label = validation ? "validation accuracy (%)" : "training accuracy (%)";
  accuracy.caption = mean_note;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    accuracy.series.push_back(epoch_curve(groups[i].group, groups[i],
                                          validation ? "validation_accuracy" : "train_accuracy",
                                          epochs, 100, int(i)));
  }
  figures.push_back(std::move(accuracy));

  const auto gamma_keys = measured_gamma_keys(cells);
  for (const auto& g : groups) {
    PlotSpec gamma;
    gamma.name = "training_gamma_" + file_stem(g.group);
    gamma.title = "Layer weights γ, " + g.group;
    epoch_axis(gamma);
    gamma.y_label = "γ (softmax weight of the tap, taps sum to 1)";
    gamma.caption = mean_note + " The values per epoch are in Table 1.";
    for (std::size_t k = 0; k < gamma_keys.size(); ++k) {
      PlotSeries series = epoch_curve(gamma_keys[k].substr(6), g, gamma_keys[k], epochs, 1, int(k));
      bool any = false;
      for (double y : series.y) any = any || std::isfinite(y);
      if (any) gamma.series.push_back(std::move(series));
    }
    if (gamma.series.empty()) continue;
    gamma.y_min = 0;
    figures.push_back(std::move(gamma));
  }
  return figures;
}

}  // namespace neuroreg
