// The .NET side of respcache's interop suite: .NET's own RedisCache (through
// IDistributedCache) and HybridCache with RedisCache as its second level,
// driven by commands on standard input, one per line, one answer line each,
// so one process serves a whole test without paying .NET's start-up per step.
//
//   use <instance-name | ->                 later commands use a RedisCache with this InstanceName
//   set <key> <value> [abs=<unix ms>] [rel=<ms>] [sld=<ms>]
//   get <key>          -> hit <value> | miss
//   refresh <key>      -> ok
//   remove <key>       -> ok
//   hset <key> <value> [exp=<ms>] [tags=<tag,tag>]   HybridCache.SetAsync (byte[]), L2 only
//   hget <key>         -> hit <value> | miss          HybridCache read from L2 only
//   hremovetag <tag>   -> ok                          HybridCache.RemoveByTagAsync
//
// Keys are text without spaces; values are base64, "-" for the empty value.
// Any failure answers "error <exception type>: <message>" and the program goes on.
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;

if (args.Length != 1)
{
    Console.Error.WriteLine("usage: RespcacheInterop <connection string>   (commands on standard input)");
    return 64;
}

var driver = new Driver(args[0]);
string? line;
while ((line = Console.In.ReadLine()) != null)
{
    if (line.Length == 0) continue;
    string answer;
    try
    {
        answer = await driver.Run(line.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }
    catch (Exception e)
    {
        answer = $"error {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}";
    }
    Console.Out.WriteLine(answer);
    Console.Out.Flush();
}
driver.Dispose();
return 0;

sealed class Driver(string connectionString) : IDisposable
{
    private readonly Dictionary<string, RedisCache> caches = new();
    private readonly Dictionary<string, ServiceProvider> hybrids = new();
    private string instanceName = "";

    private RedisCache Cache()
    {
        if (!caches.TryGetValue(instanceName, out var cache))
        {
            cache = new RedisCache(new RedisCacheOptions { Configuration = connectionString, InstanceName = instanceName });
            caches[instanceName] = cache;
        }
        return cache;
    }

    private HybridCache Hybrid()
    {
        if (!hybrids.TryGetValue(instanceName, out var services))
        {
            var collection = new ServiceCollection();
            var name = instanceName;
            collection.AddStackExchangeRedisCache(o => { o.Configuration = connectionString; o.InstanceName = name; });
            collection.AddHybridCache();
            services = collection.BuildServiceProvider();
            hybrids[instanceName] = services;
        }
        return services.GetRequiredService<HybridCache>();
    }

    public async Task<string> Run(string[] words)
    {
        switch (words[0])
        {
            case "use":
                instanceName = words[1] == "-" ? "" : words[1];
                return "ok";
            case "set":
                await Cache().SetAsync(words[1], Decode(words[2]), EntryOptions(words.Skip(3)));
                return "ok";
            case "get":
                return Found(await Cache().GetAsync(words[1]));
            case "refresh":
                await Cache().RefreshAsync(words[1]);
                return "ok";
            case "remove":
                await Cache().RemoveAsync(words[1]);
                return "ok";
            case "hset":
                {
                    var options = new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableLocalCache };
                    string[]? tags = null;
                    foreach (var (name, value) in Options(words.Skip(3)))
                    {
                        if (name == "exp") options = new HybridCacheEntryOptions { Flags = options.Flags, Expiration = TimeSpan.FromMilliseconds(long.Parse(value)) };
                        else if (name == "tags") tags = value.Split(',');
                        else throw new ArgumentException($"unknown option {name}");
                    }
                    await Hybrid().SetAsync(words[1], Decode(words[2]), options, tags);
                    return "ok";
                }
            case "hget":
                {
                    var options = new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableLocalCache | HybridCacheEntryFlags.DisableUnderlyingData };
                    return Found(await Hybrid().GetOrCreateAsync<byte[]?>(words[1], _ => ValueTask.FromResult<byte[]?>(null), options));
                }
            case "hremovetag":
                await Hybrid().RemoveByTagAsync(words[1]);
                return "ok";
            default:
                throw new ArgumentException($"unknown command {words[0]}");
        }
    }

    private static byte[] Decode(string text) => text == "-" ? [] : Convert.FromBase64String(text);

    private static string Found(byte[]? value) =>
        value is null ? "miss" : "hit " + (value.Length == 0 ? "-" : Convert.ToBase64String(value));

    private static IEnumerable<(string, string)> Options(IEnumerable<string> words) =>
        words.Select(w => w.Split('=', 2)).Select(p => (p[0], p[1]));

    private static DistributedCacheEntryOptions EntryOptions(IEnumerable<string> words)
    {
        var options = new DistributedCacheEntryOptions();
        foreach (var (name, value) in Options(words))
        {
            var number = long.Parse(value);
            switch (name)
            {
                case "abs": options.AbsoluteExpiration = DateTimeOffset.FromUnixTimeMilliseconds(number); break;
                case "rel": options.AbsoluteExpirationRelativeToNow = TimeSpan.FromMilliseconds(number); break;
                case "sld": options.SlidingExpiration = TimeSpan.FromMilliseconds(number); break;
                default: throw new ArgumentException($"unknown option {name}");
            }
        }
        return options;
    }

    public void Dispose()
    {
        foreach (var cache in caches.Values) cache.Dispose();
        foreach (var services in hybrids.Values) services.Dispose();
    }
}
