#include "timestamp.hpp"

#include <cstdio>
#include <string>

namespace cb::core {

namespace {

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

bool digits(std::string_view s, size_t pos, size_t n, int* out) {
    if (pos + n > s.size()) return false;
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

unsigned days_in_month(int y, int m) {
    static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : kDays[m - 1];
}

// Years 1..9999 keep every value far from int64 overflow in microseconds.
constexpr int64_t kMinUnixSeconds = -62135596800;  // 0001-01-01
constexpr int64_t kMaxUnixSeconds = 253402300799;  // 9999-12-31 23:59:59

}  // namespace

std::optional<Timestamp> parse_iso_timestamp(std::string_view s) {
    int y, mo, d, h = 0, mi = 0, sec = 0;
    if (!digits(s, 0, 4, &y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, &mo) || s[7] != '-' ||
        !digits(s, 8, 2, &d))
        return std::nullopt;
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || static_cast<unsigned>(d) > days_in_month(y, mo))
        return std::nullopt;
    size_t pos = 10;
    int64_t micros = 0;
    int64_t offset_seconds = 0;
    if (pos < s.size()) {
        if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return std::nullopt;
        ++pos;
        if (!digits(s, pos, 2, &h) || pos + 2 >= s.size() || s[pos + 2] != ':' || !digits(s, pos + 3, 2, &mi))
            return std::nullopt;
        pos += 5;
        if (pos < s.size() && s[pos] == ':') {
            if (!digits(s, pos + 1, 2, &sec)) return std::nullopt;
            pos += 3;
        }
        if (h > 23 || mi > 59 || sec > 60) return std::nullopt;
        if (sec == 60) sec = 59;  // a leap second is kept within its minute
        if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
            ++pos;
            int n = 0;
            while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
                if (n < 6) micros = micros * 10 + (s[pos] - '0');
                ++n;
                ++pos;
            }
            if (n == 0) return std::nullopt;
            for (int k = n; k < 6; ++k) micros *= 10;
        }
        if (pos < s.size()) {
            char z = s[pos];
            if ((z == 'Z' || z == 'z') && pos + 1 == s.size()) {
                pos = s.size();
            } else if (z == '+' || z == '-') {
                int oh = 0, om = 0;
                if (!digits(s, pos + 1, 2, &oh)) return std::nullopt;
                size_t q = pos + 3;
                if (q < s.size() && s[q] == ':') ++q;
                if (q < s.size()) {
                    if (!digits(s, q, 2, &om)) return std::nullopt;
                    q += 2;
                }
                if (q != s.size() || oh > 23 || om > 59) return std::nullopt;
                offset_seconds = (oh * 3600 + om * 60) * (z == '-' ? -1 : 1);
                pos = q;
            } else {
                return std::nullopt;
            }
        }
    }
    int64_t unix_seconds = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
                           h * 3600 + mi * 60 + sec - offset_seconds;
    return (unix_seconds - kUnixEpochOffsetSeconds) * 1000000 + micros;
}

std::optional<Timestamp> from_unix_seconds(int64_t seconds) {
    if (seconds < kMinUnixSeconds || seconds > kMaxUnixSeconds) return std::nullopt;
    return (seconds - kUnixEpochOffsetSeconds) * 1000000;
}

std::optional<Timestamp> from_unix_nanos(int64_t nanos) {
    int64_t seconds = nanos / 1000000000;
    int64_t rem = nanos % 1000000000;
    if (rem < 0) {
        rem += 1000000000;
        --seconds;
    }
    auto base = from_unix_seconds(seconds);
    if (!base) return std::nullopt;
    return *base + rem / 1000;
}

int32_t utc_day(Timestamp t) {
    constexpr int64_t kDay = 86400LL * 1000000LL;
    int64_t d = t / kDay;
    if (t % kDay < 0) --d;
    return static_cast<int32_t>(d);
}

int32_t utc_month_start(Timestamp t) {
    int64_t days = utc_day(t) + kUnixEpochOffsetSeconds / 86400;  // since 1970
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    return static_cast<int32_t>(days_from_civil(y, m, 1) - kUnixEpochOffsetSeconds / 86400);
}

std::optional<CivilDate> parse_iso_date(std::string_view s) {
    CivilDate d;
    if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 0, 4, &d.year) || !digits(s, 5, 2, &d.month) ||
        !digits(s, 8, 2, &d.day))
        return std::nullopt;
    if (d.month < 1 || d.month > 12 || d.day < 1 || static_cast<unsigned>(d.day) > days_in_month(d.year, d.month))
        return std::nullopt;
    return d;
}

std::string month_title(int year, int month) {
    static const char* const kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                                          "July",    "August",   "September", "October", "November", "December"};
    return std::string(kMonths[month - 1]) + " " + std::to_string(year);
}

std::string format_iso_timestamp(Timestamp t) {
    int64_t micros = t % 1000000;
    int64_t secs = t / 1000000;
    if (micros < 0) {
        micros += 1000000;
        --secs;
    }
    int64_t unix_seconds = secs + kUnixEpochOffsetSeconds;
    int64_t days = unix_seconds / 86400;
    int64_t rem = unix_seconds % 86400;
    if (rem < 0) {
        rem += 86400;
        --days;
    }
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    char buf[64];
    if (micros)
        std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ", static_cast<long long>(y), m, d,
                      static_cast<long long>(rem / 3600), static_cast<long long>(rem / 60 % 60),
                      static_cast<long long>(rem % 60), static_cast<long long>(micros));
    else
        std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", static_cast<long long>(y), m, d,
                      static_cast<long long>(rem / 3600), static_cast<long long>(rem / 60 % 60),
                      static_cast<long long>(rem % 60));
    return buf;
}

}  // namespace cb::core
