#pragma once
// A set of line numbers stored as disjoint ranges: a host streams consecutive numbers, so
// millions of executed lines stay a handful of ranges.
#include <map>

namespace printgate::sim {

class number_set {
public:
    bool contains(long n) const;
    void insert(long n);
    void clear() { ranges_.clear(); }
    std::size_t range_count() const { return ranges_.size(); }

private:
    std::map<long, long> ranges_;  // first -> last, inclusive, never touching
};

}  // namespace printgate::sim
