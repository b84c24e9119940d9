// trainops command-line entry point: parses arguments and calls the library.
#include <iostream>

int main(int argc, char** argv) {
  std::cerr << "trainops: no command yet\n";
  return 2;
}
