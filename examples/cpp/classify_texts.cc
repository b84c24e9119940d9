// Classifies the texts on stdin (one per line) with a trained model, from several threads
// sharing one Classifier, and prints `label,confidence` per line in input order: the same
// CSV `trainops predict --model MODEL` prints for the same lines.
//
//   classify_texts MODEL.bin [THREADS] < texts.txt > predictions.csv
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <trainops/trainops.h>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: classify_texts MODEL.bin [THREADS] < texts.txt\n";
    return 2;
  }
  try {
    const auto classifier = trainops::Classifier::Load(argv[1]);
    const int threads = argc > 2 ? std::stoi(argv[2]) : 4;
    std::vector<std::string> texts;
    for (std::string line; std::getline(std::cin, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      texts.push_back(line);
    }
    // Thread t takes every threads-th text; all share the one Classifier.
    std::vector<trainops::Prediction> predictions(texts.size());
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        for (size_t i = static_cast<size_t>(t); i < texts.size(); i += static_cast<size_t>(threads)) {
          predictions[i] = classifier->Classify(texts[i]);
        }
      });
    }
    for (auto& w : workers) w.join();
    std::cout << "label,confidence\n";
    for (const auto& p : predictions) {
      // Labels with a comma or quote would need CSV quoting; `trainops predict` quotes them.
      std::printf("%s,%.6f\n", p.label.c_str(), static_cast<double>(p.confidence));
    }
    std::cerr << "model " << classifier->Id().substr(0, 12) << " (task " << classifier->Task() << ", "
              << classifier->Labels().size() << " labels): " << texts.size() << " texts on " << threads
              << " threads\n";
  } catch (const trainops::Error& e) {
    std::cerr << "classify_texts: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
