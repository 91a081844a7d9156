#include "load_plot.hpp"

#include "load_format.hpp"

#include <algorithm>
#include <cmath>

namespace braid::cli {
namespace {

constexpr double width = 960, left = 90, right = 930;
constexpr double decades = 4; // the percentile axis ends at 99.99%

std::string xml_text(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

// An axis from 0 that holds `v`: a step of 1, 2, 2.5 or 5 times a power of
// ten giving at most 5 steps, and the end, a whole number of steps.
struct axis_scale {
  double end, step;
};

axis_scale nice_axis(double v) {
  if (!(v > 0)) {
    return {1, 0.2};
  }
  const double rough = v / 5;
  const double magnitude = std::pow(10.0, std::floor(std::log10(rough)));
  double step = 10 * magnitude;
  for (const double m : {1.0, 2.0, 2.5, 5.0}) {
    if (m * magnitude >= rough * (1 - 1e-12)) {
      step = m * magnitude;
      break;
    }
  }
  return {std::max(1.0, std::ceil(v / step - 1e-9)) * step, step};
}

// A number for an axis label: no trailing zeros.
std::string tick_label(double v) {
  std::string s = fixed(v, v >= 100 ? 0 : 3);
  if (s.find('.') != std::string::npos) {
    s.erase(s.find_last_not_of('0') + 1);
    if (s.back() == '.') {
      s.pop_back();
    }
  }
  return s;
}

struct panel {
  double top, bottom; // of the plotting area
  double y_max;       // the value at the top
  double y_step;      // between two grid lines
  double x_max;       // the value at the right
  double x(double value) const { return left + (right - left) * value / x_max; }
  double y(double value) const { return bottom - (bottom - top) * value / y_max; }
};

std::string text(double x, double y, const std::string& s, const char* anchor = "middle",
                 int size = 12, const char* extra = "") {
  return "<text x=\"" + fixed(x, 1) + "\" y=\"" + fixed(y, 1) + "\" text-anchor=\"" + anchor +
         "\" font-size=\"" + std::to_string(size) + "\"" + extra + ">" + xml_text(s) + "</text>\n";
}

std::string line(double x1, double y1, double x2, double y2, const char* stroke) {
  return "<line x1=\"" + fixed(x1, 1) + "\" y1=\"" + fixed(y1, 1) + "\" x2=\"" + fixed(x2, 1) +
         "\" y2=\"" + fixed(y2, 1) + "\" stroke=\"" + stroke + "\"/>\n";
}

// Frame, horizontal grid lines with their labels, and the axis titles.
std::string axes(const panel& p, const std::string& x_title, const std::string& y_title,
                 double y_unit) {
  std::string out = "<rect x=\"" + fixed(left, 1) + "\" y=\"" + fixed(p.top, 1) + "\" width=\"" +
                    fixed(right - left, 1) + "\" height=\"" + fixed(p.bottom - p.top, 1) +
                    "\" fill=\"none\" stroke=\"#444\"/>\n";
  const auto steps = static_cast<int>(std::lround(p.y_max / p.y_step));
  for (int i = 0; i <= steps; ++i) {
    const double v = p.y_step * i;
    out += line(left, p.y(v), right, p.y(v), "#ddd");
    out += text(left - 6, p.y(v) + 4, tick_label(v / y_unit), "end", 11);
  }
  out += text((left + right) / 2, p.bottom + 36, x_title, "middle", 12);
  const double middle = (p.top + p.bottom) / 2;
  out += "<text x=\"20\" y=\"" + fixed(middle, 1) +
         "\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 20 " +
         fixed(middle, 1) + ")\">" + xml_text(y_title) + "</text>\n";
  return out;
}

std::string polyline(const std::string& id, const char* colour,
                     const std::vector<std::pair<double, double>>& points) {
  std::string out = "<polyline id=\"" + id + "\" fill=\"none\" stroke=\"" + colour +
                    "\" stroke-width=\"2\" points=\"";
  for (std::size_t i = 0; i < points.size(); ++i) {
    out += (i == 0 ? "" : " ") + fixed(points[i].first, 1) + "," + fixed(points[i].second, 1);
  }
  return out + "\"/>\n";
}

std::string percentile_chart(const load_plot_input& in, double top, double bottom) {
  const auto& h = *in.histogram;
  std::vector<double> values(load_plot_points);
  for (std::size_t i = 0; i < load_plot_points; ++i) {
    const double x = decades * static_cast<double>(i) / static_cast<double>(load_plot_points - 1);
    values[i] = static_cast<double>(h.percentile(1 - std::pow(10.0, -x)));
  }
  const double highest = *std::max_element(values.begin(), values.end());
  const bool micro = highest < 1e6;
  const double unit = micro ? 1e3 : 1e6; // ns per label unit
  const auto y_scale = nice_axis(highest / unit);
  const panel p{top, bottom, y_scale.end * unit, y_scale.step * unit, decades};
  std::string out = text((left + right) / 2, top - 12,
                         in.measured + " by percentile (" + grouped(h.count()) + " values)",
                         "middle", 14, " font-weight=\"bold\"");
  out += axes(p, "percentile", in.measured + (micro ? " (µs)" : " (ms)"), unit);
  const std::pair<double, const char*> marks[] = {
      {std::log10(2.0), "50%"}, {1, "90%"}, {2, "99%"}, {3, "99.9%"}, {4, "99.99%"}};
  for (const auto& [x, label] : marks) {
    out += line(p.x(x), top, p.x(x), bottom, "#ddd");
    out += text(p.x(x), bottom + 16, label, "middle", 11);
  }
  std::vector<std::pair<double, double>> points;
  for (std::size_t i = 0; i < load_plot_points; ++i) {
    const double x = decades * static_cast<double>(i) / static_cast<double>(load_plot_points - 1);
    points.emplace_back(p.x(x), p.y(values[i]));
  }
  return out + polyline("percentiles", "#1f77b4", points);
}

std::string rate_chart(const load_plot_input& in, double top, double bottom) {
  const auto& samples = *in.timeline;
  double highest = 0, duration = 0;
  for (const auto& s : samples) {
    highest = std::max({highest, in.connections ? static_cast<double>(s.up) : s.out_per_s,
                        in.connections ? 0.0 : s.in_per_s});
    duration = std::max(duration, s.t_s);
  }
  const auto y_scale = nice_axis(highest);
  const auto x_scale = nice_axis(duration);
  const panel p{top, bottom, y_scale.end, y_scale.step, x_scale.end};
  std::string out = text((left + right) / 2, top - 12,
                         in.connections ? "connections up over time" : "messages per second",
                         "middle", 14, " font-weight=\"bold\"");
  out += axes(p, "seconds", in.connections ? "connections" : "msg/s", 1);
  const auto x_steps = static_cast<int>(std::lround(x_scale.end / x_scale.step));
  for (int i = 0; i <= x_steps; ++i) {
    out += text(p.x(x_scale.step * i), bottom + 16, tick_label(x_scale.step * i), "middle", 11);
  }
  struct series {
    const char* id;
    const char* colour;
    const char* name;
    double load_sample::*value;
  };
  std::vector<series> all;
  if (in.connections) {
    all.push_back({"connections-up", "#2ca02c", "connections up", nullptr});
  } else {
    all.push_back({"rate-out", "#1f77b4", "out (published)", &load_sample::out_per_s});
    all.push_back({"rate-in", "#ff7f0e", "in (received)", &load_sample::in_per_s});
  }
  double legend_x = right - 150 * static_cast<double>(all.size()); // above the chart, at the right
  for (const auto& s : all) {
    std::vector<std::pair<double, double>> points;
    for (const auto& sample : samples) {
      const double v = s.value ? sample.*(s.value) : static_cast<double>(sample.up);
      points.emplace_back(p.x(sample.t_s), p.y(v));
    }
    out += polyline(s.id, s.colour, points);
    for (const auto& [x, y] : points) { // a lone second shows as a dot
      out += "<circle cx=\"" + fixed(x, 1) + "\" cy=\"" + fixed(y, 1) + "\" r=\"2.5\" fill=\"" +
             s.colour + "\"/>\n";
    }
    out += line(legend_x, top - 12, legend_x + 20, top - 12, s.colour);
    out += text(legend_x + 26, top - 8, s.name, "start", 11);
    legend_x += 150;
  }
  return out;
}

} // namespace

std::string load_plot_svg(const load_plot_input& in) {
  const double height = 840;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    fixed(width, 0) + "\" height=\"" + fixed(height, 0) + "\" viewBox=\"0 0 " +
                    fixed(width, 0) + " " + fixed(height, 0) +
                    "\" font-family=\"sans-serif\">\n"
                    "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  out += "<title>" + xml_text(in.title) + "</title>\n";
  // The title on two lines when long: split at the ", " nearest the middle.
  const auto middle = in.title.size() / 2;
  const auto before = in.title.rfind(", ", middle), after = in.title.find(", ", middle);
  const auto split = in.title.size() <= 100        ? std::string::npos
                     : before == std::string::npos ? after
                     : after == std::string::npos || middle - before < after - middle ? before
                                                                                      : after;
  if (split == std::string::npos) {
    out += text(width / 2, 28, in.title, "middle", 13);
  } else {
    out += text(width / 2, 20, in.title.substr(0, split + 1), "middle", 13);
    out += text(width / 2, 38, in.title.substr(split + 2), "middle", 13);
  }
  out += percentile_chart(in, 70, 370);
  out += rate_chart(in, 480, 780);
  return out + "</svg>\n";
}

} // namespace braid::cli
