// The same GET/SET load as `respcache bench`, through one StackExchange.Redis
// ConnectionMultiplexer, printing the same JSON fields (`--json` output of
// tools/respcache/bench_command.cpp). Modes: blocking (N threads, one
// synchronous call at a time each) and async (N threads' worth of
// `--inflight` requests each kept in flight). The cache workload uses .NET's
// RedisCache through IDistributedCache with a 5-minute sliding expiration.
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using StackExchange.Redis;

var o = BenchOptions.Parse(args);
ThreadPool.SetMinThreads(Math.Max(o.Threads + 8, Environment.ProcessorCount), Environment.ProcessorCount);
var multiplexer = await ConnectionMultiplexer.ConnectAsync(o.Connection);
var db = multiplexer.GetDatabase();
RedisCache? cache = o.Workload == "cache"
    ? new RedisCache(new RedisCacheOptions { InstanceName = "respcache-bench:", ConnectionMultiplexerFactory = () => Task.FromResult<IConnectionMultiplexer>(multiplexer) })
    : null;
var value = Encoding.ASCII.GetBytes(new string('x', o.DataSize));
var sliding = new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(5) };

// GETs should hit: write every key once before the clock starts.
var fill = new List<Task>();
for (var k = 0; k < o.Keyspace; ++k)
{
    fill.Add(cache is null ? db.StringSetAsync($"key:{k}", value) : cache.SetAsync($"key:{k}", value, sliding));
    if (fill.Count == 1000) { await Task.WhenAll(fill); fill.Clear(); }
}
await Task.WhenAll(fill);

// .NET compiles its hot paths while they run: one second of the same load
// first, unmeasured, so that the measured run is of the steady state.
await Run(1.0);
var (histogram, errors, seconds, cpuSeconds) = await Run(o.Duration);

async Task<(LatencyHistogram, long, double, double)> Run(double duration)
{
    var histogram = new LatencyHistogram();
    long errors = 0;
    var deadline = Stopwatch.GetTimestamp() + (long)(duration * Stopwatch.Frequency);
    bool Running() => Stopwatch.GetTimestamp() < deadline;

    var process = Process.GetCurrentProcess();
    var cpuBefore = process.TotalProcessorTime;
    var started = Stopwatch.GetTimestamp();
    if (o.Mode == "blocking")
    {
        var threads = Enumerable.Range(0, o.Threads).Select(t => new Thread(() =>
        {
            var random = new Random(t * 7919 + 1);
            while (Running())
            {
                var key = $"key:{random.NextInt64(o.Keyspace)}";
                var set = o.IsSet(random);
                var began = Stopwatch.GetTimestamp();
                try
                {
                    if (cache is not null) { if (set) cache.Set(key, value, sliding); else cache.Get(key); }
                    else if (set) db.StringSet(key, value); else db.StringGet(key);
                }
                catch (Exception) { Interlocked.Increment(ref errors); }
                histogram.Record(Stopwatch.GetTimestamp() - began);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
    }
    else
    {
        async Task Worker(int seed)
        {
            var random = new Random(seed);
            while (Running())
            {
                var key = $"key:{random.NextInt64(o.Keyspace)}";
                var set = o.IsSet(random);
                var began = Stopwatch.GetTimestamp();
                try
                {
                    if (cache is not null) { if (set) await cache.SetAsync(key, value, sliding); else await cache.GetAsync(key); }
                    else if (set) await db.StringSetAsync(key, value); else await db.StringGetAsync(key);
                }
                catch (Exception) { Interlocked.Increment(ref errors); }
                histogram.Record(Stopwatch.GetTimestamp() - began);
            }
        }
        await Task.WhenAll(Enumerable.Range(0, o.Threads * o.Inflight).Select(i => Task.Run(() => Worker(i * 7919 + 1))));
    }
    var seconds = (Stopwatch.GetTimestamp() - started) / (double)Stopwatch.Frequency;
    process.Refresh();
    return (histogram, errors, seconds, (process.TotalProcessorTime - cpuBefore).TotalSeconds);
}

var ops = histogram.Count;
string Us(double q) => (histogram.Quantile(q) * 1e6 / Stopwatch.Frequency).ToString("F1");
var errorField = errors > 0 ? $"\"io\":{errors}" : "";
Console.WriteLine(
    $"{{\"ops_per_sec\":{((ops - errors) / seconds):F1},\"ops\":{ops},\"seconds\":{seconds:F3},\"cpu_us_per_op\":{(ops > 0 ? cpuSeconds * 1e6 / ops : 0):F3}," +
    $"\"latency_us\":{{\"p50\":{Us(0.5)},\"p90\":{Us(0.9)},\"p99\":{Us(0.99)},\"p999\":{Us(0.999)},\"max\":{Us(1.0)}}}," +
    $"\"errors\":{{{errorField}}},\"threads\":{o.Threads},\"mode\":\"{o.Mode}\",\"workload\":\"{o.Workload}\",\"data_size\":{o.DataSize}," +
    $"\"inflight\":{(o.Mode == "async" ? o.Inflight : 0)},\"pipeline\":0,\"client\":\"StackExchange.Redis\"}}");
cache?.Dispose();
await multiplexer.CloseAsync();
return 0;

sealed class BenchOptions
{
    public string Connection = Environment.GetEnvironmentVariable("ConnectionStrings__cache") ?? "";
    public string Workload = "mixed", Mode = "blocking";
    public int SetWeight = 1, GetWeight = 10, Threads = 1, Inflight = 64, DataSize = -1;
    public long Keyspace = 10000;
    public double Duration = 5;

    public bool IsSet(Random random) =>
        Workload == "set" || (Workload != "get" && random.Next(SetWeight + GetWeight) < SetWeight);

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = args[i + 1];
            switch (args[i])
            {
                case "--connection": o.Connection = value; break;
                case "--workload": o.Workload = value; break;
                case "--ratio": { var p = value.Split(':'); o.SetWeight = int.Parse(p[0]); o.GetWeight = int.Parse(p[1]); break; }
                case "--threads": o.Threads = int.Parse(value); break;
                case "--mode": o.Mode = value; break;
                case "--inflight": o.Inflight = int.Parse(value); break;
                case "--data-size": o.DataSize = int.Parse(value); break;
                case "--keyspace": o.Keyspace = long.Parse(value); break;
                case "--duration": o.Duration = double.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        if (o.DataSize < 0) o.DataSize = o.Workload == "cache" ? 1024 : 32;
        if (o.Mode != "blocking" && o.Mode != "async") throw new ArgumentException("--mode is blocking or async");
        return o;
    }
}

// Log-linear buckets of Stopwatch ticks (32 per power of two: about 3 %
// resolution), counted with interlocked increments from any thread.
sealed class LatencyHistogram
{
    private const int SubBuckets = 32;
    private readonly long[] counts = new long[64 * SubBuckets];
    private long max;

    public long Count => counts.Sum();

    public void Record(long ticks)
    {
        Interlocked.Increment(ref counts[Index(Math.Max(ticks, 1))]);
        long seen;
        while (ticks > (seen = Interlocked.Read(ref max)) && Interlocked.CompareExchange(ref max, ticks, seen) != seen) { }
    }

    private static int Index(long ticks)
    {
        var power = 63 - (int)long.LeadingZeroCount(ticks);
        if (power < 5) return (int)ticks;
        var sub = (int)((ticks >> (power - 5)) & (SubBuckets - 1));
        return (power - 4) * SubBuckets + sub;
    }

    private static double Lower(int index)
    {
        if (index < SubBuckets) return index;
        var power = index / SubBuckets + 4;
        var sub = index % SubBuckets;
        return (double)(SubBuckets + sub) * Math.Pow(2, power - 5);
    }

    public double Quantile(double q)
    {
        if (q >= 1.0) return max;
        var total = Count;
        var wanted = (long)Math.Ceiling(q * total);
        long seen = 0;
        for (var i = 0; i < counts.Length; ++i)
        {
            seen += counts[i];
            if (seen >= wanted && counts[i] > 0) return Lower(i);
        }
        return max;
    }
}
